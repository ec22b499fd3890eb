package dev.jobharvester.provider.declared;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The line each key of a YAML file is written on ({@code status.states.completed}, {@code api.errorMessage[1]}),
 * read from the parser's token locations, so that a mistake found after parsing still names its line.
 */
final class KeyLines {

    private final Map<String, Integer> lines = new HashMap<>();

    private KeyLines() {
    }

    /** @param parser a parser on the file's first token */
    static KeyLines read(JsonParser parser) throws IOException {
        KeyLines keys = new KeyLines();
        if (parser.nextToken() != null) {
            keys.walk(parser, "");
        }
        return keys;
    }

    private void walk(JsonParser parser, String path) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT) {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String child = path.isEmpty() ? parser.currentName() : path + "." + parser.currentName();
                lines.put(child, parser.currentTokenLocation().getLineNr());
                parser.nextToken();
                walk(parser, child);
            }
        } else if (token == JsonToken.START_ARRAY) {
            for (int i = 0; parser.nextToken() != JsonToken.END_ARRAY; i++) {
                String child = path + "[" + i + "]";
                lines.put(child, parser.currentTokenLocation().getLineNr());
                walk(parser, child);
            }
        }
    }

    /** The line of that key, else of the nearest key above it that is written, else 0. */
    int line(String key) {
        for (String at = key; !at.isEmpty(); at = parent(at)) {
            Integer line = lines.get(at);
            if (line != null) {
                return line;
            }
        }
        return 0;
    }

    private static String parent(String key) {
        int cut = Math.max(key.lastIndexOf('.'), key.lastIndexOf('['));
        return cut < 0 ? "" : key.substring(0, cut);
    }

    /** The key a binding failure happened at, written as this class writes keys. */
    static String key(List<JsonMappingException.Reference> path) {
        StringBuilder key = new StringBuilder();
        for (JsonMappingException.Reference reference : path) {
            if (reference.getFieldName() != null) {
                key.append(key.length() == 0 ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                key.append('[').append(reference.getIndex()).append(']');
            }
        }
        return key.toString();
    }
}

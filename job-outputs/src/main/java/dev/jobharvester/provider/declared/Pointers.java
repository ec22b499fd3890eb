package dev.jobharvester.provider.declared;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** JSON pointers (RFC 6901) as a platform file writes them, and what to say when one finds nothing. */
final class Pointers {

    private Pointers() {
    }

    /** @throws IllegalArgumentException when it is not a JSON pointer */
    static JsonPointer compile(String pointer) {
        if (pointer == null || !pointer.startsWith("/")) {
            throw new IllegalArgumentException("'" + pointer + "' is not a JSON pointer: one starts with / (/status,"
                    + " /job_info/status, /data/0/id)");
        }
        try {
            return JsonPointer.compile(pointer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + pointer + "' is not a JSON pointer: " + e.getMessage());
        }
    }

    /** Whether it finds something other than null. */
    static boolean holds(JsonNode node, JsonPointer pointer) {
        JsonNode value = node.at(pointer);
        return !value.isMissingNode() && !value.isNull();
    }

    /**
     * The keys along the pointer's way, at the deepest object it reaches, as a hint where it went wrong: "the answer
     * has job_info (with job_id, status, exit_code)".
     */
    static String whatIsThere(JsonNode answer, JsonPointer pointer) {
        JsonNode node = answer;
        JsonPointer rest = pointer;
        StringBuilder reached = new StringBuilder();
        while (!rest.matches()) {
            JsonNode next = node.at(JsonPointer.compile("/" + escape(rest.getMatchingProperty())));
            if (next.isMissingNode() || next.isNull()) {
                break;
            }
            reached.append('/').append(escape(rest.getMatchingProperty()));
            node = next;
            rest = rest.tail();
        }
        String where = reached.length() == 0 ? "the answer" : reached.toString();
        if (node.isObject()) {
            List<String> keys = new ArrayList<>();
            node.fieldNames().forEachRemaining(keys::add);
            return where + " has the keys " + (keys.isEmpty() ? "(none)" : String.join(", ", keys));
        }
        return where + " is " + (node.isArray() ? "a list of " + node.size() : node.getNodeType().toString().toLowerCase(Locale.ROOT));
    }

    private static String escape(String property) {
        return property.replace("~", "~0").replace("/", "~1");
    }
}

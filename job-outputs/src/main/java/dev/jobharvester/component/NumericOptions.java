package dev.jobharvester.component;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Refuses a numeric option whose value is not a number. Camel's generated configurers read an int or long option as
 * a duration when it is not a plain number, and a word that is neither becomes 0 without a word: maxJobErrors=five
 * would mean "never give up". The numeric options are those the component's generated metadata types so.
 */
final class NumericOptions {

    private static final String METADATA = "/META-INF/dev/jobharvester/component/job-outputs.json";
    /** A number, or a duration as Camel writes them (500ms, 30s, 1m30s). */
    private static final Pattern NUMBER_OR_DURATION = Pattern.compile("-?\\d+|(\\d+(ms|s|m|h|d))+");
    private static final Set<String> NUMERIC = load();

    private NumericOptions() {
    }

    private static Set<String> load() {
        try (InputStream in = NumericOptions.class.getResourceAsStream(METADATA)) {
            if (in == null) {
                throw new IllegalStateException(METADATA + " is missing: build with mvn, which generates it");
            }
            Set<String> numeric = new HashSet<>();
            JsonNode metadata = new ObjectMapper().readTree(in);
            for (String group : new String[] {"componentProperties", "properties"}) {
                metadata.path(group).fields().forEachRemaining(option -> {
                    if (option.getValue().path("type").asText().equals("integer")) {
                        numeric.add(option.getKey());
                    }
                });
            }
            return numeric;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param where   what the options belong to, for the message ({@code job-outputs:tensorpool})
     * @param options option names (camelCase or kebab-case) and their values as written
     * @throws IllegalArgumentException naming the first option whose value is not a number
     */
    static void check(String where, Map<String, ?> options) {
        options.forEach((name, value) -> {
            String option = camelCase(name);
            if (NUMERIC.contains(option) && value instanceof String text
                    && !NUMBER_OR_DURATION.matcher(text.trim()).matches()) {
                throw new IllegalArgumentException(where + ": " + option + " is '" + text + "', which is not a number");
            }
        });
    }

    private static String camelCase(String name) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : name.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }
}

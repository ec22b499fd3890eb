package dev.jobharvester.provider.declared;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.provider.ApiClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A text with holes from a platform file: {@code {name}} for a variable, {@code {/json/pointer}} for a value of the
 * answer's item, {@code {/json/pointer?}} for one that may be missing (it then leaves the hole empty).
 */
final class Template {

    /** How a value is written into its hole. */
    enum Escape {
        /** as it is (a whole URL, a file path) */
        NONE(UnaryOperator.identity()),
        /** as one URL path segment or query value */
        URL(ApiClient::encode),
        /** inside a JSON string */
        JSON(value -> new String(JsonStringEncoder.getInstance().quoteAsString(value)));

        private final UnaryOperator<String> escape;

        Escape(UnaryOperator<String> escape) {
            this.escape = escape;
        }
    }

    /** A pointer the template needs that the item does not hold. */
    static final class MissingValue extends Exception {
        MissingValue(String pointer) {
            super(pointer, null, false, false);
        }
    }

    private sealed interface Part permits Text, Variable, Pointer {
    }

    private record Text(String text) implements Part {
    }

    private record Variable(String name) implements Part {
    }

    private record Pointer(JsonPointer pointer, String written, boolean optional) implements Part {
    }

    private final String text;
    private final List<Part> parts;

    private Template(String text, List<Part> parts) {
        this.text = text;
        this.parts = parts;
    }

    /**
     * @param variables the variable names the template may use
     * @param pointers  whether it may take values out of an item
     * @throws IllegalArgumentException saying what is wrong with it
     */
    static Template parse(String text, Set<String> variables, boolean pointers) {
        List<Part> parts = new ArrayList<>();
        int at = 0;
        while (at < text.length()) {
            int open = text.indexOf('{', at);
            if (open < 0) {
                parts.add(new Text(text.substring(at)));
                break;
            }
            int close = text.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("'{' at character " + (open + 1) + " is not closed by '}'");
            }
            if (open > at) {
                parts.add(new Text(text.substring(at, open)));
            }
            String hole = text.substring(open + 1, close);
            if (hole.startsWith("/") && pointers) {
                boolean optional = hole.endsWith("?");
                String written = optional ? hole.substring(0, hole.length() - 1) : hole;
                parts.add(new Pointer(Pointers.compile(written), written, optional));
            } else if (variables.contains(hole)) {
                parts.add(new Variable(hole));
            } else {
                throw new IllegalArgumentException("{" + hole + "} is not known here; it may use "
                        + known(variables, pointers));
            }
            at = close + 1;
        }
        return new Template(text, List.copyOf(parts));
    }

    private static String known(Set<String> variables, boolean pointers) {
        List<String> known = new ArrayList<>();
        variables.stream().sorted().forEach(v -> known.add("{" + v + "}"));
        if (pointers) {
            known.add("{/json/pointer} into the item");
        }
        return known.isEmpty() ? "no holes" : String.join(", ", known);
    }

    /** Whether it uses that variable. */
    boolean uses(String variable) {
        return parts.contains(new Variable(variable));
    }

    /** Its text with every hole filled in; a variable without a value leaves its hole empty. */
    String expand(Map<String, String> variables, JsonNode item, Escape escape) throws MissingValue {
        StringBuilder out = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Text t) {
                out.append(t.text());
            } else if (part instanceof Variable v) {
                String value = variables.get(v.name());
                out.append(value == null ? "" : escape.escape.apply(value));
            } else if (part instanceof Pointer p) {
                JsonNode value = item.at(p.pointer());
                if (value.isMissingNode() || value.isNull() || value.isContainerNode()
                        || value.asText().isEmpty()) {
                    if (!p.optional()) {
                        throw new MissingValue(p.written());
                    }
                } else {
                    out.append(escape.escape.apply(value.asText()));
                }
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}

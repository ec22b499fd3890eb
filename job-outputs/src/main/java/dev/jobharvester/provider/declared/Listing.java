package dev.jobharvester.provider.declared;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.jobharvester.provider.ApiClient;
import dev.jobharvester.provider.ProviderException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A declared request and how its answers page: one page at a time, each a list of items and the token of the next
 * page (an offset, a page number, a cursor or a link), or null on the last.
 */
final class Listing {

    /** How a list pages, as a platform file names it. */
    enum Style {
        NONE, OFFSET, PAGE, CURSOR, LINK
    }

    /** One item of an answer: the value, the name it came under (an object's key, an items map's name) and its place. */
    record Item(JsonNode value, String key, int index) {
    }

    /** @param next the token of the next page, or null on the last */
    record Page(JsonNode answer, List<Item> items, String next) {
    }

    private final CallSpec call;
    private final Style style;
    private final int limit;
    private final int start;
    private final JsonPointer total;
    private final JsonPointer next;
    private final JsonPointer more;
    /** A pointer to the items, or, when the answer names its files one by one, names mapped to pointers. */
    private final JsonPointer items;
    private final Map<String, JsonPointer> namedItems;

    /** A declared request: a method, a path under the API and an optional JSON body. */
    record CallSpec(String method, Template path, Template body) {

        JsonNode send(ApiClient api, String jobId, Map<String, String> variables) throws IOException {
            String expanded;
            try {
                expanded = withoutEmptyQueryValues(path.expand(variables, MissingNode.getInstance(),
                        Template.Escape.URL));
                return body == null ? api.get(jobId, expanded)
                        : api.post(jobId, expanded, body.expand(variables, MissingNode.getInstance(),
                                Template.Escape.JSON));
            } catch (Template.MissingValue e) {
                throw new IllegalStateException("a request has no item to read " + e.getMessage() + " from", e);
            }
        }

        /** A query parameter whose variable had no value ({@code status=} before discovery's first filter) is left out. */
        private static String withoutEmptyQueryValues(String path) {
            int query = path.indexOf('?');
            if (query < 0) {
                return path;
            }
            List<String> kept = new ArrayList<>();
            for (String parameter : path.substring(query + 1).split("&")) {
                if (!parameter.isEmpty() && !parameter.endsWith("=")) {
                    kept.add(parameter);
                }
            }
            return path.substring(0, query) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
        }
    }

    Listing(CallSpec call, Style style, int limit, int start, JsonPointer total, JsonPointer next, JsonPointer more,
            JsonPointer items, Map<String, JsonPointer> namedItems) {
        this.call = call;
        this.style = style;
        this.limit = limit;
        this.start = start;
        this.total = total;
        this.next = next;
        this.more = more;
        this.items = items;
        this.namedItems = namedItems;
    }

    /** Asks for the page that token names (null: the first). */
    Page page(ApiClient api, String jobId, Map<String, String> variables, String token) throws IOException {
        Map<String, String> asked = new HashMap<>(variables);
        JsonNode answer;
        long at = 0;
        if (style == Style.LINK && token != null) {
            answer = api.get(jobId, underApi(api, jobId, token));
        } else {
            switch (style) {
                case OFFSET, PAGE -> {
                    at = token == null ? (style == Style.OFFSET ? 0 : start) : Long.parseLong(token);
                    asked.put(style == Style.OFFSET ? "offset" : "page", String.valueOf(at));
                    asked.put("limit", String.valueOf(limit));
                }
                case CURSOR -> {
                    asked.put("cursor", token == null ? "" : token);
                    asked.put("limit", String.valueOf(limit));
                }
                default -> asked.put("limit", String.valueOf(limit));
            }
            answer = call.send(api, jobId, asked);
        }
        List<Item> found = items(answer);
        return new Page(answer, found, nextToken(answer, found.size(), at, token));
    }

    private List<Item> items(JsonNode answer) {
        List<Item> found = new ArrayList<>();
        if (namedItems != null) {
            namedItems.forEach((name, pointer) -> {
                JsonNode value = answer.at(pointer);
                if (!value.isMissingNode() && !value.isNull()) {
                    found.add(new Item(value, name, found.size()));
                }
            });
            return found;
        }
        JsonNode listed = answer.at(items);
        if (listed.isArray()) {
            for (JsonNode value : listed) {
                found.add(new Item(value, null, found.size()));
            }
        } else if (listed.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = listed.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> entry = it.next();
                found.add(new Item(entry.getValue(), entry.getKey(), found.size()));
            }
        } else if (!listed.isMissingNode() && !listed.isNull()) {
            found.add(new Item(listed, null, 0));
        }
        return found;
    }

    private String nextToken(JsonNode answer, int found, long at, String token) {
        if (found == 0 || more != null && answer.at(more).isBoolean() && !answer.at(more).asBoolean()) {
            return null;
        }
        return switch (style) {
            case NONE -> null;
            // Not a short page: a server may cap the page size below the limit asked for. An empty page ends the list.
            case OFFSET -> total != null && answer.at(total).canConvertToLong() && at + found >= answer.at(total).asLong()
                    ? null : String.valueOf(at + found);
            case PAGE -> total != null && answer.at(total).canConvertToLong() && at >= answer.at(total).asLong()
                    ? null : String.valueOf(at + 1);
            case CURSOR, LINK -> {
                JsonNode following = answer.at(next);
                String text = following.isValueNode() && !following.isNull() ? following.asText() : "";
                yield text.isEmpty() || text.equals(token) ? null : text;
            }
        };
    }

    /** The path under the API of a next-page link: one that leaves the API is refused, the key must not follow it. */
    private static String underApi(ApiClient api, String jobId, String link) throws ProviderException {
        String base = api.baseUrl();
        String absolute;
        try {
            absolute = URI.create(base + "/").resolve(link).toString();
        } catch (IllegalArgumentException e) {
            throw new ProviderException(api.provider(), jobId, "the next page's link is not a URL: " + link);
        }
        if (!absolute.startsWith(base + "/")) {
            throw new ProviderException(api.provider(), jobId, "the next page's link leaves the API ("
                    + URI.create(absolute).getHost() + "); the key is sent to the API only");
        }
        return absolute.substring(base.length());
    }
}

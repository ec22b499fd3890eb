package dev.jobharvester.provider.declared;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jobharvester.common.OutputFile;
import dev.jobharvester.download.HttpClients;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.OutputPage;
import dev.jobharvester.provider.ProviderOptions;
import dev.jobharvester.provider.Providers;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;

/**
 * Generated paged APIs, each style a platform file can declare (offset, page, cursor, link), with or without a total
 * or a has-more flag, and a server that may cap the page size below the limit asked for: listing through the
 * declared provider yields every item once, in order, and ends within one request of the pages there are.
 */
class DeclaredPagingPropertiesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static HttpServer server;
    private static CloseableHttpClient http;
    /** The generated API this try's requests are answered from. */
    private static volatile PagedApi api;

    enum Style { OFFSET, PAGE, CURSOR, LINK }

    /** What the server says beside the items: a total count, a has-more flag, or neither. */
    enum Signal { TOTAL, MORE, NONE }

    record PagedApi(int items, int cap, Style style, Signal signal, AtomicInteger requests) {
    }

    @BeforeContainer
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/api/items", DeclaredPagingPropertiesTest::answer);
        server.start();
        http = HttpClients.create(2_000, 10_000, 4);
    }

    @AfterContainer
    static void stop() throws IOException {
        server.stop(0);
        http.close();
    }

    private static String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api";
    }

    private static void answer(HttpExchange exchange) throws IOException {
        PagedApi world = api;
        world.requests().incrementAndGet();
        Map<String, String> query = new HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        for (String pair : raw == null ? new String[0] : raw.split("&")) {
            int eq = pair.indexOf('=');
            query.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        int size = Math.min(world.cap(), Integer.parseInt(query.getOrDefault("limit", "1000")));
        int from = switch (world.style()) {
            case OFFSET -> Integer.parseInt(query.get("offset"));
            case PAGE -> (Integer.parseInt(query.get("page")) - 1) * size;
            case CURSOR -> query.containsKey("cursor") ? Integer.parseInt(query.get("cursor")) : 0;
            case LINK -> query.containsKey("from") ? Integer.parseInt(query.get("from")) : 0;
        };
        int to = Math.min(world.items(), from + size);
        ObjectNode body = JSON.createObjectNode();
        ArrayNode items = body.putArray("items");
        for (int i = from; i < to; i++) {
            items.addObject().put("name", "f-" + i).put("url", "https://storage.example/f-" + i);
        }
        boolean more = to < world.items();
        if (world.signal() == Signal.TOTAL) {
            body.put("total", world.items()).put("pages", (world.items() + size - 1) / size);
        } else if (world.signal() == Signal.MORE) {
            body.put("has_more", more);
        }
        if (world.style() == Style.CURSOR && more) {
            body.put("next_cursor", String.valueOf(to));
        } else if (world.style() == Style.LINK && more) {
            body.put("next", base() + "/items?from=" + to);
        }
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String platformFile(Style style, Signal signal, int limit) {
        String request = switch (style) {
            case OFFSET -> "GET /items?offset={offset}&limit={limit}";
            case PAGE -> "GET /items?page={page}&limit={limit}";
            case CURSOR -> "GET /items?cursor={cursor}&limit={limit}";
            case LINK -> "GET /items";
        };
        String paging = "{style: " + style.name().toLowerCase(Locale.ROOT) + ", limit: " + limit
                + switch (style) {
                    case CURSOR -> ", next: /next_cursor";
                    case LINK -> ", next: /next";
                    default -> "";
                }
                + switch (signal) {
                    case TOTAL -> style == Style.PAGE ? ", total: /pages" : style == Style.OFFSET ? ", total: /total" : "";
                    case MORE -> ", more: /has_more";
                    case NONE -> "";
                } + "}";
        return String.join("\n", "name: paged", "api: {url: 'https://api.paged.example'}", "status:",
                "  request: GET /items", "  state: /state", "  states: {done: succeeded}", "  harvest: [done]",
                "outputs:", "  request: " + request, "  paging: " + paging, "  items: /items",
                "  file: {path: '{/name}', url: '{/url}'}", "");
    }

    @Property(tries = 150)
    void everyItemIsListedOnceInOrderAndTheListingEnds(@ForAll @IntRange(max = 120) int items,
            @ForAll @IntRange(min = 1, max = 40) int limit, @ForAll @IntRange(min = 1, max = 40) int cap,
            @ForAll Style style, @ForAll Signal signal) throws IOException {
        api = new PagedApi(items, cap, style, signal, new AtomicInteger());
        JobProvider provider = Providers.create(DeclaredPlatforms.read("paged.yaml", platformFile(style, signal, limit)),
                new ProviderOptions("paged", base(), "key", 0, null, 100, null, null), http);
        List<String> listed = new ArrayList<>();
        String token = null;
        do {
            OutputPage page = provider.outputs("j", token).orElseThrow();
            page.files().stream().map(OutputFile::path).forEach(listed::add);
            token = page.next();
        } while (token != null && listed.size() <= items);

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            expected.add("f-" + i);
        }
        assertThat(listed).isEqualTo(expected);
        int size = style == Style.LINK ? cap : Math.min(cap, limit);
        int pages = (items + size - 1) / size;
        assertThat(api.requests().get()).as("requests for %d pages", pages).isBetween(Math.max(1, pages), pages + 1);
    }
}

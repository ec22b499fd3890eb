package dev.jobharvester.component;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jobharvester.provider.PlatformFacts;
import dev.jobharvester.provider.Providers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's option and header tables against the metadata camel-component-maven-plugin generates from the code:
 * every option of ours is in its table, every option in a table exists, and a default the README gives is the
 * code's. Camel's own options (error handler, scheduler, lazy start) are Camel's to document.
 */
class DocumentedOptionsTest {

    private static final Set<String> CAMELS_OWN = Set.of("bridgeErrorHandler", "exceptionHandler", "exchangePattern",
            "pollStrategy", "sendEmptyMessageWhenIdle", "lazyStartProducer", "autowiredEnabled", "backoffErrorThreshold",
            "backoffIdleThreshold", "backoffMultiplier", "delay", "greedy", "initialDelay", "repeatCount",
            "runLoggingLevel", "scheduledExecutorService", "scheduler", "schedulerProperties", "startScheduler",
            "timeUnit", "useFixedDelay");
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    private static JsonNode metadata(String resource) throws IOException {
        try (InputStream in = DocumentedOptionsTest.class.getResourceAsStream(resource)) {
            assertThat(in).as("%s, generated at build time", resource).isNotNull();
            return new ObjectMapper().readTree(in);
        }
    }

    /** A README table's rows, after the line that starts {@code startsAfter}: each name of a row with its default. */
    private static Map<String, String> table(String startsAfter) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("..", "README.md"));
        int at = 0;
        while (!lines.get(at).startsWith(startsAfter)) {
            at++;
        }
        while (!lines.get(at).startsWith("|---")) {
            at++;
        }
        Map<String, String> defaults = new LinkedHashMap<>();
        for (at++; at < lines.size() && lines.get(at).startsWith("|"); at++) {
            String[] cells = lines.get(at).split("\\|");
            List<String> names = codes(cells[1]);
            List<String> values = codes(cells[2]);
            for (int i = 0; i < names.size(); i++) {
                defaults.put(names.get(i), i < values.size() && values.size() == names.size() ? values.get(i) : null);
            }
        }
        return defaults;
    }

    private static List<String> codes(String cell) {
        List<String> codes = new ArrayList<>();
        Matcher matcher = CODE.matcher(cell);
        while (matcher.find()) {
            codes.add(matcher.group(1));
        }
        return codes;
    }

    /** Our options among the metadata's: name to default (null when none). */
    private static Map<String, String> ours(JsonNode options) {
        Map<String, String> ours = new HashMap<>();
        options.fields().forEachRemaining(option -> {
            if (!CAMELS_OWN.contains(option.getKey()) && !option.getKey().equals("configuration")) {
                JsonNode value = option.getValue().get("defaultValue");
                ours.put(option.getKey(), value == null ? null : value.asText());
            }
        });
        return ours;
    }

    private static void assertAgree(String table, Map<String, String> documented, Map<String, String> code) {
        Map<String, String> ourDocumented = new HashMap<>(documented);
        ourDocumented.keySet().removeAll(CAMELS_OWN);
        assertThat(ourDocumented.keySet()).as("the options in the README's %s table", table)
                .containsExactlyInAnyOrderElementsOf(code.keySet());
        code.forEach((name, value) -> {
            if (value != null && documented.get(name) != null) {
                assertThat(documented.get(name)).as("the README's default of %s in its %s table", name, table)
                        .isEqualTo(value);
            }
        });
    }

    @Test
    void theJobOutputsTablesListEveryOptionWithItsDefault() throws IOException {
        JsonNode metadata = metadata("/META-INF/dev/jobharvester/component/job-outputs.json");
        assertAgree("job-outputs", table("### `job-outputs` options"), ours(metadata.get("properties")));
        Map<String, String> componentOnly = ours(metadata.get("componentProperties"));
        componentOnly.keySet().removeIf(name -> metadata.get("properties").has(name));
        Map<String, String> componentTable = table("These options of the component apply to every pipeline");
        assertAgree("job-outputs component", componentTable, componentOnly);
        assertThat(metadata.get("componentProperties").get("delay").get("defaultValue").asText())
                .isEqualTo(componentTable.get("delay"));
    }

    @Test
    void theDurableFileTableListsEveryOptionWithItsDefault() throws IOException {
        JsonNode metadata = metadata("/META-INF/dev/jobharvester/sink/durable-file.json");
        assertAgree("durable-file", table("### `durable-file` options"), ours(metadata.get("properties")));
    }

    /** The README's table of the platforms, row by row: the cell of each platform, by the name in its URI. */
    private static Map<String, Map<String, String>> platformTable() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("..", "README.md"));
        int at = lines.indexOf("### The platforms") + 2;
        List<String> columns = new ArrayList<>();
        Map<String, Map<String, String>> rows = new HashMap<>();
        for (; lines.get(at).startsWith("|"); at++) {
            String[] cells = lines.get(at).split("\\|");
            if (cells[1].trim().equals("URI")) {
                for (int i = 2; i < cells.length; i++) {
                    columns.add(codes(cells[i]).get(0).substring("job-outputs:".length()));
                }
            }
            Map<String, String> row = new HashMap<>();
            for (int i = 2; i < cells.length && !columns.isEmpty(); i++) {
                row.put(columns.get(i - 2), cells[i]);
            }
            rows.put(cells[1].trim(), row);
        }
        return rows;
    }

    @Test
    void thePlatformTableShowsEachPlatformsFacts() throws IOException {
        Map<String, Map<String, String>> table = platformTable();
        assertThat(table.get("URI").keySet()).containsExactlyInAnyOrderElementsOf(Providers.names());
        for (String name : Providers.names()) {
            PlatformFacts facts = Providers.platform(name).facts();
            assertThat(codes(table.get("terminal states").get(name))).as("%s's terminal states", name)
                    .containsExactlyInAnyOrderElementsOf(facts.terminalStates());
            assertThat(codes(table.get("harvested by default").get(name))).as("%s's default", name)
                    .containsExactlyInAnyOrderElementsOf(facts.defaultHarvestStates());
            assertThat(codes(table.get("public API (`apiUrl` when empty)").get(name))).as("%s's public API", name)
                    .containsExactly(facts.defaultApiUrl());
        }
    }

    @Test
    void theHeaderTableListsEveryHeaderWithItsType() throws IOException {
        JsonNode headers = metadata("/META-INF/dev/jobharvester/component/job-outputs.json").get("headers");
        List<String> lines = Files.readAllLines(Path.of("..", "README.md"));
        Map<String, String> documented = new HashMap<>();
        int at = lines.indexOf("### Headers on every exchange") + 4;
        for (; lines.get(at).startsWith("|"); at++) {
            String[] cells = lines.get(at).split("\\|");
            documented.put(codes(cells[1]).get(0), cells[2].trim());
        }
        documented.remove("CamelFileName");
        Map<String, String> code = new HashMap<>();
        headers.fields().forEachRemaining(h -> code.put(h.getKey(), h.getValue().get("javaType").asText()));
        assertThat(documented).isEqualTo(code);
    }
}

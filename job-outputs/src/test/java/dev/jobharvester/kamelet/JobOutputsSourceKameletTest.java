package dev.jobharvester.kamelet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.component.JobOutputsConsumer;
import dev.jobharvester.component.JobPhase;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.Route;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The job-outputs-source Kamelet as Karavan or Camel K users run it: a YAML route from {@code kamelet:job-outputs-source}
 * into a directory, against the simulator; and its schema as a catalog shows it.
 */
class JobOutputsSourceKameletTest {

    private static final String KAMELET = "/kamelets/job-outputs-source.kamelet.yaml";
    private static final List<SimFile> FILES = List.of(SimFile.of("a.txt", 1_000), SimFile.of("d/e/f.bin", 300_000));

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    private String route() {
        return """
                - route:
                    id: tensorpool-from-kamelet
                    from:
                      uri: "kamelet:job-outputs-source"
                      parameters:
                        platform: tensorpool
                        apiUrl: "%s"
                        apiKey: "%s"
                        ledgerName: tensorpool-from-kamelet
                        jobIds: j1
                        dataDir: "%s"
                        delay: 100
                        allowedHosts: 127.0.0.1
                        allowHttp: true
                      steps:
                        - to: "durable-file:%s"
                """.formatted(simulator.apiUrl(TensorPoolApi.NAME), simulator.apiKey(TensorPoolApi.NAME),
                dir.resolve("data"), dir.resolve("files"));
    }

    /** Runs the route until job j1 counts as harvested: its manifest is in the sink and its ledger. */
    private void harvest() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.fromString("kamelet-route.yaml", route()));
            context.start();
            JobOutputsConsumer consumer = context.getRoutes().stream().map(Route::getConsumer)
                    .filter(JobOutputsConsumer.class::isInstance).map(JobOutputsConsumer.class::cast).findFirst()
                    .orElseThrow();
            await().atMost(Duration.ofSeconds(30)).until(() -> consumer.jobPhase("j1") == JobPhase.HARVESTED);
        }
    }

    private Path job() {
        return dir.resolve("files").resolve(TensorPoolApi.NAME).resolve("j1");
    }

    @Test
    void aRouteFromTheKameletDeliversEveryFileOnceAcrossARestart() throws Exception {
        SimJob job = simulator.addJob(TensorPoolApi.NAME, SimJob.of("j1", JobScript.always("completed"), FILES));
        harvest();
        assertThat(job().resolve("_manifest.json")).exists();
        assertThat(simulator.deliveryFaults(TensorPoolApi.NAME, job, job())).isEmpty();
        harvest();
        assertThat(simulator.deliveryFaults(TensorPoolApi.NAME, job, job())).as("after a restart").isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyPropertyHasATitleAndADescriptionAndEveryPlaceholderIsAProperty() throws IOException {
        Map<String, Object> kamelet;
        try (InputStream in = getClass().getResourceAsStream(KAMELET)) {
            kamelet = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromInputStream(in);
        }
        Map<String, Object> spec = (Map<String, Object>) kamelet.get("spec");
        Map<String, Object> definition = (Map<String, Object>) spec.get("definition");
        Map<String, Map<String, Object>> properties = (Map<String, Map<String, Object>>) definition.get("properties");
        assertThat(properties).allSatisfy((name, property) -> assertThat(property).as(name)
                .containsKeys("title", "description", "type"));
        assertThat(properties).containsKeys(((List<String>) definition.get("required")).toArray(String[]::new));
        assertThat((List<String>) spec.get("dependencies")).anyMatch(d -> d.matches("mvn:dev\\.jobharvester:job-outputs:\\d.*"));

        Set<String> placeholders = new TreeSet<>();
        Matcher matcher = Pattern.compile("\\{\\{\\??([A-Za-z]+)}}").matcher(String.valueOf(spec.get("template")));
        while (matcher.find()) {
            placeholders.add(matcher.group(1));
        }
        assertThat(properties.keySet()).containsAll(placeholders);
        assertThat(placeholders).containsAll(properties.keySet());
    }
}

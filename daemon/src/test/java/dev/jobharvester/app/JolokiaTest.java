package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Jolokia on the management port, as Hawtio uses it: the harvester's figures readable, operations refused by default. */
class JolokiaTest {

    private static final String CONSUMERS = "org.apache.camel:context=job-harvester,type=consumers,*";
    private static final List<SimFile> FILES = List.of(SimFile.of("a.bin", 100_000), SimFile.of("b.txt", 10));

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    private RunningHarvester harvester(boolean operations) throws Exception {
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("j1", JobScript.always("completed"), FILES));
        Map<String, String> settings = RunningHarvester.settings(simulator, dir, "j1");
        settings.put("harvester.jolokia-operations", String.valueOf(operations));
        settings.put("tensorpool.api-key", simulator.apiKey(TensorPoolApi.NAME));
        return RunningHarvester.start(settings);
    }

    /** One Jolokia request (POST, JSON), answered with Jolokia's own envelope: status, value or error. */
    private JsonNode jolokia(RunningHarvester harvester, Map<String, Object> request) throws Exception {
        int port = harvester.context().hasService(VertxPlatformHttpServer.class).getPort();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/observe/jolokia")).POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(request)))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        return json.readTree(response.body());
    }

    /** The tensorpool-to-directory consumer's attributes, read through Jolokia. */
    private JsonNode consumer(RunningHarvester harvester) throws Exception {
        JsonNode answer = jolokia(harvester, Map.of("type", "read", "mbean", CONSUMERS,
                "attribute", List.of("RouteId", "FilesDelivered", "Jobs")));
        assertThat(answer.path("status").asInt()).as("%s", answer).isEqualTo(200);
        for (JsonNode attributes : answer.path("value")) {
            if (attributes.path("RouteId").asText().equals("tensorpool-to-directory")) {
                return attributes;
            }
        }
        throw new AssertionError("no tensorpool-to-directory consumer in " + answer);
    }

    private Map<String, Object> pause(JsonNode consumerName) {
        return Map.of("type", "exec", "mbean", consumerName.asText(), "operation", "pausePipeline()");
    }

    private JsonNode consumerName(RunningHarvester harvester) throws Exception {
        JsonNode answer = jolokia(harvester, Map.of("type", "read", "mbean", CONSUMERS, "attribute", "RouteId"));
        for (var entry : answer.path("value").properties()) {
            if (entry.getValue().path("RouteId").asText().equals("tensorpool-to-directory")) {
                return json.getNodeFactory().textNode(entry.getKey());
            }
        }
        throw new AssertionError("no tensorpool-to-directory consumer in " + answer);
    }

    @Test
    void theConsumersFiguresAreReadableAndOperationsAndTheJvmsArgumentsAreRefusedByDefault() throws Exception {
        try (RunningHarvester harvester = harvester(false)) {
            // The files count as delivered before the job's manifest is written and it reads harvested.
            await().atMost(Duration.ofSeconds(30)).until(() -> consumer(harvester).path("Jobs").toString()
                    .contains("j1: harvested"));
            assertThat(consumer(harvester).path("FilesDelivered").asLong()).isEqualTo(2);

            JsonNode refused = jolokia(harvester, pause(consumerName(harvester)));
            assertThat(refused.path("status").asInt()).as("%s", refused).isEqualTo(403);
            assertThat(harvester.context().getRouteController().getRouteStatus("tensorpool-to-directory").isStarted())
                    .isTrue();
            JsonNode arguments = jolokia(harvester, Map.of("type", "read", "mbean", "java.lang:type=Runtime",
                    "attribute", "InputArguments"));
            assertThat(arguments.path("status").asInt()).as("%s", arguments).isEqualTo(403);
        }
    }

    @Test
    void operationsAreServedWhenTheOperatorTurnsThemOn() throws Exception {
        try (RunningHarvester harvester = harvester(true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> consumer(harvester).path("FilesDelivered").asLong() == 2);
            JsonNode paused = jolokia(harvester, pause(consumerName(harvester)));
            assertThat(paused.path("status").asInt()).as("%s", paused).isEqualTo(200);
            JsonNode heapDump = jolokia(harvester, Map.of("type", "exec", "mbean",
                    "com.sun.management:type=HotSpotDiagnostic", "operation", "dumpHeap", "arguments",
                    List.of(dir.resolve("heap.hprof").toString(), true)));
            assertThat(heapDump.path("status").asInt()).as("%s", heapDump).isEqualTo(403);
            assertThat(dir.resolve("heap.hprof")).doesNotExist();
        }
    }
}

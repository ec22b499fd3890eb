package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a Prometheus scrape and a Kubernetes probe see while the pipeline harvests and while the platform is down. */
class HealthAndMetricsTest {

    private static final String NAME = TensorPoolApi.NAME;
    private static final String SERIES = "{provider=\"tensorpool\",route=\"tensorpool-to-directory\"}";
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();
    private final HttpClient http = HttpClient.newHttpClient();
    private String base;

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String metrics() throws Exception {
        HttpResponse<String> response = get("/observe/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private int readiness() throws Exception {
        return get("/observe/health/ready").statusCode();
    }

    @Test
    void metricsFollowTheHarvestAndReadinessFollowsThePlatformsApi() throws Exception {
        SimFile slow = SimFile.of("weights.bin", 3_000_000).throttle(1_500_000);
        SimJob done = simulator.addJob(NAME, SimJob.of("tp-done", JobScript.always("completed"), slow,
                SimFile.of("log.txt", 2_000)));
        SimJob running = simulator.addJob(NAME, SimJob.of("tp-running", JobScript.always("running")));
        Map<String, String> settings = RunningHarvester.settings(simulator, dir, done.id() + "," + running.id());
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            VertxPlatformHttpServer server = harvester.context().hasService(VertxPlatformHttpServer.class);
            base = "http://127.0.0.1:" + server.getPort();

            await().atMost(WAIT).until(() -> metrics().contains("harvester_files_in_flight" + SERIES + " 1.0"));
            assertThat(metrics()).contains("harvester_jobs{phase=\"waiting\",provider=\"tensorpool\","
                    + "route=\"tensorpool-to-directory\"} 1.0").contains("harvester_api_up" + SERIES + " 1.0");
            await().atMost(WAIT).until(() -> Delivered.manifestPresent(NAME, RunningHarvester.output(dir), done));
            await().atMost(WAIT).until(() -> metrics().contains("harvester_files_delivered_total" + SERIES + " 2.0"));
            assertThat(metrics()).contains("harvester_bytes_delivered_total" + SERIES + " 3002000.0")
                    .contains("harvester_jobs{phase=\"harvested\",provider=\"tensorpool\","
                            + "route=\"tensorpool-to-directory\"} 1.0")
                    .contains("harvester_sink_up" + SERIES + " 1.0")
                    .doesNotContain(simulator.apiKey(NAME));
            await().atMost(WAIT).until(() -> readiness() == 200);
            assertThat(get("/observe/health/live").statusCode()).isEqualTo(200);

            // The platform's API goes away while a job is still being watched: readiness goes down and says why.
            simulator.stopApi();
            await().atMost(WAIT).until(() -> readiness() == 503);
            assertThat(get("/observe/health/ready?data=true").body()).contains("job-outputs-tensorpool-to-directory")
                    .contains("tensorpool API does not answer");
            assertThat(metrics()).contains("harvester_api_up" + SERIES + " 0.0");
            assertThat(get("/observe/health/live").statusCode()).as("liveness does not follow the platform")
                    .isEqualTo(200);

            simulator.restartApi();
            await().atMost(WAIT).until(() -> readiness() == 200);
            assertThat(metrics()).contains("harvester_api_up" + SERIES + " 1.0");
        }
        Delivered.assertComplete(NAME, RunningHarvester.output(dir), done, "completed");
    }
}

package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.machine.Machine;
import dev.jobharvester.sim.Simulator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard and the Prometheus alerts in monitoring/: the rules' own unit tests pass under promtool, and
 * every harvester_* series they name is one the daemon serves.
 */
class MonitoringFilesTest {

    private static final Path MONITORING = Path.of("..", "monitoring");
    private static final Pattern METRIC = Pattern.compile("\\bharvester_[a-z_]+");

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    private static Set<String> metricsNamedIn(String... files) throws IOException {
        Set<String> names = new TreeSet<>();
        for (String file : files) {
            Matcher matcher = METRIC.matcher(Files.readString(MONITORING.resolve(file)));
            while (matcher.find()) {
                names.add(matcher.group());
            }
        }
        return names;
    }

    @Test
    void theAlertRulesPassTheirUnitTests() throws InterruptedException {
        Machine.require(Machine.run("promtool", "--version") == 0,
                "promtool (Debian: apt-get install prometheus) checks the alert rules");
        assertThat(promtool("check", "rules", "harvester-alerts.yaml")).isZero();
        assertThat(promtool("test", "rules", "harvester-alerts.test.yaml")).isZero();
    }

    private static int promtool(String... arguments) throws InterruptedException {
        String[] command = new String[arguments.length + 1];
        command[0] = "promtool";
        System.arraycopy(arguments, 0, command, 1, arguments.length);
        try {
            Process process = new ProcessBuilder(command).directory(MONITORING.toFile()).inheritIO().start();
            return process.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("promtool did not start", e);
        }
    }

    @Test
    void everySeriesTheDashboardAndTheAlertsNameIsServed() throws Exception {
        Set<String> named = metricsNamedIn("job-harvester-dashboard.json", "harvester-alerts.yaml");
        assertThat(named).contains("harvester_api_up", "harvester_jobs", "harvester_bytes_delivered_total");
        try (RunningHarvester harvester = RunningHarvester.start(RunningHarvester.settings(simulator, dir, "j1"))) {
            int port = harvester.context().hasService(VertxPlatformHttpServer.class).getPort();
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/metrics")).build();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                String metrics = http.send(scrape, HttpResponse.BodyHandlers.ofString()).body();
                Set<String> served = new TreeSet<>();
                Matcher matcher = Pattern.compile("(?m)^(harvester_[a-z_]+)[{ ]").matcher(metrics);
                while (matcher.find()) {
                    served.add(matcher.group(1));
                }
                assertThat(served).containsAll(named);
            });
        }
    }
}

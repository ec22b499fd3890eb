package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobharvester.sim.Simulator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code check} on broken settings and pipelines: each mistake is one message that names it and where, exit code 2,
 * and never shows a key. A start ({@code run}) reports the same messages: both build the pipelines the same way.
 */
class ConfigErrorsTest {

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    /** Runs {@code check} on the project's settings with these changes; answers what it printed on stderr. */
    private String checkFails(Map<String, String> changes) throws IOException {
        Map<String, String> settings = RunningHarvester.settings(simulator, dir, "j1");
        settings.putAll(changes);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ConfigCheck.run(SettingsFile.write(dir, settings), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String message = err.toString(StandardCharsets.UTF_8);
        assertThat(exit).as("exit code; stderr: %s", message).isEqualTo(ExitCodes.CONFIG);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(message).startsWith("job-harvester check: ").doesNotContain("\tat ")
                .doesNotContain(simulator.apiKey("tensorpool"));
        return message;
    }

    private String route(String name, String yaml) throws IOException {
        return "file:" + Files.writeString(dir.resolve(name), yaml);
    }

    private String routeFrom(String uri) throws IOException {
        return route("typo.yaml", "- route:\n    id: typo\n    from:\n      uri: \"" + uri + "\"\n      steps:\n"
                + "        - to: \"log:x\"\n");
    }

    @Test
    void theProjectsOwnSettingsPassAndEveryPipelineIsListed() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = ConfigCheck.run(SettingsFile.write(dir, RunningHarvester.settings(simulator, dir, "j1")),
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertThat(exit).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(": fine; 8 pipelines")
                .containsPattern("tensorpool-to-directory +job-outputs:tensorpool +on")
                .containsPattern("tensorpool-to-s3 +job-outputs:tensorpool +off")
                .containsPattern("platforms declared in files:\\n  openai-batch +\\S+platforms/openai-batch.yaml\\n"
                        + "  replicate +\\S+platforms/replicate.yaml");
    }

    @Test
    void aMissingApiKeyIsNamedWithWhereToSetIt() throws IOException {
        assertThat(checkFails(Map.of("tensorpool.api-key", ""))).contains("apiKey is empty").contains("TENSORPOOL_KEY");
    }

    @Test
    void aMisspelledHarvestStateListsTheValidOnes() throws IOException {
        assertThat(checkFails(Map.of("tensorpool.harvest-states", "complete")))
                .contains("harvestStates [complete] are not terminal states of tensorpool")
                .contains("[canceled, completed, error, failed]");
    }

    @Test
    void aBrokenRouteFileIsNamedWithItsLine() throws IOException {
        String broken = route("broken-pipeline.yaml", String.join("\n", "- route:", "    id: broken-pipeline",
                "    from:", "      uri: job-outputs:tensorpool", "      steps:", "        - to: { uri: \"file:out\" ", ""));
        assertThat(checkFails(Map.of("camel.main.routes-include-pattern", broken))).contains("broken-pipeline.yaml")
                .containsPattern("line \\d+|:\\d+");
    }

    @Test
    void aMistakeInAPlatformFileIsNamedWithItsFileLineAndKey() throws IOException {
        Path platforms = Files.createDirectories(dir.resolve("platforms"));
        Files.writeString(platforms.resolve("acme.yaml"), String.join("\n", "name: acme", "api:",
                "  url: https://api.acme.example", "status:", "  request: GET /jobs/{jobId}", "  state: /status",
                "  states: {done: finished}", "  harvest: [done]", "outputs:", "  request: GET /jobs/{jobId}",
                "  items: /files", "  file: {path: \"{/name}\", url: \"{/url}\"}", ""));
        assertThat(checkFails(Map.of("harvester.platforms-dir", platforms.toString())))
                .contains(platforms.resolve("acme.yaml") + " line 7, status.states.done: 'finished' is not one of"
                        + " pending, running, succeeded, failed, canceled");
    }

    @Test
    void anUnknownOptionIsNamed() throws IOException {
        assertThat(checkFails(Map.of("camel.main.routes-include-pattern",
                routeFrom("job-outputs:tensorpool?jobIds=j1&apiKey=k&jobId=typo")))).contains("jobId=typo");
    }

    @Test
    void anUnknownProviderListsTheKnownOnes() throws IOException {
        assertThat(checkFails(Map.of("camel.main.routes-include-pattern", routeFrom("job-outputs:tensorpol?jobIds=j1"))))
                .contains("unknown provider 'tensorpol'").contains("known providers: archetype, chutes, openai-batch, pixxel, replicate, tensorpool");
    }

    @Test
    void aPipelineWithoutIdIsRefusedBecauseItsLedgerIsKeptById() throws IOException {
        String noId = route("no-id.yaml", "- route:\n    from:\n      uri: \"job-outputs:tensorpool\"\n      steps:\n"
                + "        - to: \"log:x\"\n");
        assertThat(checkFails(Map.of("camel.main.routes-include-pattern", noId))).contains("give the route an id");
    }

    @Test
    void anUnknownSettingInAPipelineIsNamed() throws IOException {
        assertThat(checkFails(Map.of("camel.main.routes-include-pattern",
                routeFrom("job-outputs:tensorpool?jobIds={{tensorpool.job-idz}}")))).contains("tensorpool.job-idz");
    }

    @Test
    void aValueThatIsNotANumberIsNamed() throws IOException {
        assertThat(checkFails(Map.of("harvester.max-job-errors", "five"))).contains("maxJobErrors").contains("five");
    }

    @Test
    void anS3PartSizeOutsideS3sBoundsIsNamedWithTheBounds() throws IOException {
        assertThat(checkFails(Map.of("s3.part-size", "1048576"))).contains("s3.part-size").contains("1048576")
                .contains("5242880 (5 MiB)");
        assertThat(checkFails(Map.of("s3.part-size", "6442450944"))).contains("6442450944").contains("5 GiB");
    }

    @Test
    void aMisspelledCamelSettingIsNamed() throws IOException {
        assertThat(checkFails(Map.of("camel.main.shutdown-timout", "5"))).contains("shutdownTimout");
    }

    @Test
    void aMissingSettingsFileIsNamed() throws Exception {
        assertThat(HarvesterMain.run(new String[] {"check", "--config", dir.resolve("nope.properties").toString()}))
                .isEqualTo(ExitCodes.CONFIG);
    }

    @Test
    void anUnknownCommandIsRefused() throws Exception {
        assertThat(HarvesterMain.run(new String[] {"harvest-everything"})).isEqualTo(ExitCodes.CONFIG);
    }

    @Test
    void helpPrintsTheUsageAloneWhereverItIsAsked() throws Exception {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(HarvesterMain.run(new String[] {"--help"})).isZero();
            assertThat(HarvesterMain.run(new String[] {"harvest", "--route", "x", "-h"})).isZero();
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("usage: java -jar job-harvester.jar");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}

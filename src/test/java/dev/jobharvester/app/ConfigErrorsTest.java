package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobharvester.sim.Simulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A configuration mistake stops the start with a message that names it, and never shows the key. */
class ConfigErrorsTest {

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    private String startFailure(Map<String, String> changes) {
        Map<String, String> settings = RunningHarvester.settings(simulator, dir, "j1");
        settings.putAll(changes);
        Throwable[] failure = new Throwable[1];
        assertThatThrownBy(() -> RunningHarvester.start(settings).close()).satisfies(e -> failure[0] = e);
        return Harvester.describe(failure[0]);
    }

    @Test
    void aMissingApiKeyIsNamedWithWhereToSetIt() {
        assertThat(startFailure(Map.of("tensorpool.api-key", ""))).contains("apiKey is empty")
                .contains("TENSORPOOL_KEY");
    }

    @Test
    void aMisspelledHarvestStateListsTheValidOnes() {
        assertThat(startFailure(Map.of("tensorpool.harvest-states", "complete")))
                .contains("harvestStates [complete] are not terminal states of tensorpool")
                .contains("[canceled, completed, error, failed]")
                .doesNotContain(simulator.apiKey("tensorpool"));
    }

    @Test
    void aBrokenRouteFileIsNamedWithItsLine() throws Exception {
        Path route = Files.writeString(dir.resolve("broken-pipeline.yaml"), String.join("\n",
                "- route:",
                "    id: broken-pipeline",
                "    from:",
                "      uri: job-outputs:tensorpool",
                "      steps:",
                "        - to: { uri: \"file:out\" ",
                ""));
        String message = startFailure(Map.of("camel.main.routes-include-pattern", "file:" + route));
        assertThat(message).contains("broken-pipeline.yaml").containsPattern("line \\d+|:\\d+");
    }

    @Test
    void anUnknownOptionIsNamed() {
        assertThat(startFailure(Map.of("camel.main.routes-include-pattern", "file:" + writeRoute(
                "job-outputs:tensorpool?jobIds=j1&apiKey=k&jobId=typo")))).contains("jobId");
    }

    private String writeRoute(String uri) {
        try {
            return Files.writeString(dir.resolve("typo.yaml"), "- route:\n    id: typo\n    from:\n"
                    + "      uri: \"" + uri + "\"\n      steps:\n        - to: \"log:x\"\n").toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aMissingSettingsFileIsNamed() throws Exception {
        assertThat(HarvesterMain.run(new String[] {"run", "--config", dir.resolve("nope.properties").toString()}))
                .isEqualTo(2);
    }

    @Test
    void anUnknownCommandIsRefused() throws Exception {
        assertThat(HarvesterMain.run(new String[] {"harvest-everything"})).isEqualTo(2);
    }
}

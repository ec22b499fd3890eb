package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobharvester.sim.Simulator;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A configuration mistake stops the start with a message that names it, and never shows the key. */
class ConfigErrorsTest {

    @TempDir
    Path dir;
    private Simulator simulator;

    @BeforeEach
    void start() throws Exception {
        simulator = Simulator.allPlatforms().start();
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

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
    void aMissingSettingsFileIsNamed() throws Exception {
        assertThat(HarvesterMain.run(new String[] {"run", "--config", dir.resolve("nope.properties").toString()}))
                .isEqualTo(2);
    }

    @Test
    void anUnknownCommandIsRefused() throws Exception {
        assertThat(HarvesterMain.run(new String[] {"harvest-everything"})).isEqualTo(2);
    }
}

package dev.jobharvester.app;

import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/**
 * The real daemon (config/application.properties, routes/ of the project) pointed at a simulator, with its data and
 * output directories in a test's temp folder.
 */
final class RunningHarvester implements AutoCloseable {

    private final Main main;

    private RunningHarvester(Main main) {
        this.main = main;
    }

    static Map<String, String> settings(Simulator simulator, Path dir, String jobIds) {
        Map<String, String> settings = new HashMap<>();
        settings.put("tensorpool.api-url", simulator.apiUrl(TensorPoolApi.NAME));
        settings.put("tensorpool.api-key", simulator.apiKey(TensorPoolApi.NAME));
        settings.put("tensorpool.job-ids", jobIds);
        settings.put("harvester.output-dir", output(dir).toString());
        settings.put("harvester.data-dir", dir.resolve("data").toString());
        settings.put("harvester.poll-delay", "100");
        return settings;
    }

    static Path output(Path dir) {
        return dir.resolve("files");
    }

    static RunningHarvester start(Map<String, String> settings) throws Exception {
        Main main = Harvester.create(Harvester.DEFAULT_CONFIG, settings);
        main.start();
        return new RunningHarvester(main);
    }

    CamelContext context() {
        return main.getCamelContext();
    }

    @Override
    public void close() {
        main.stop();
    }
}

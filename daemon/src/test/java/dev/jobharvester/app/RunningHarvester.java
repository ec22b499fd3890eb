package dev.jobharvester.app;

import dev.jobharvester.sim.PixxelApi;
import dev.jobharvester.sim.Simulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.main.Main;

/**
 * The real daemon (its default settings and shipped pipelines) pointed at a simulator, with its data and
 * output directories in a test's temp folder.
 */
final class RunningHarvester implements AutoCloseable {

    private final Main main;

    private RunningHarvester(Main main) {
        this.main = main;
    }

    /** Every platform's route pointed at the simulator, with no jobs yet. */
    static Map<String, String> settings(Simulator simulator, Path dir) {
        Map<String, String> settings = new HashMap<>();
        for (String platform : simulator.platforms()) {
            settings.put(platform + ".api-url", simulator.apiUrl(platform));
            settings.put(platform + ".api-key", simulator.apiKey(platform));
        }
        settings.put("pixxel.workflow-id", PixxelApi.WORKFLOW);
        settings.put("harvester.output-dir", output(dir).toString());
        settings.put("harvester.data-dir", dir.resolve("data").toString());
        settings.put("harvester.poll-delay", "100");
        settings.put("harvester.allowed-hosts", "127.0.0.1");
        settings.put("harvester.allow-http", "true");
        settings.put("camel.management.port", "0");
        return settings;
    }

    /** Every platform's route pointed at the simulator, with these TensorPool jobs. */
    static Map<String, String> settings(Simulator simulator, Path dir, String tensorPoolJobIds) {
        Map<String, String> settings = settings(simulator, dir);
        settings.put("tensorpool.job-ids", tensorPoolJobIds);
        return settings;
    }

    static Path output(Path dir) {
        return dir.resolve("files");
    }

    static RunningHarvester start(Map<String, String> settings) throws Exception {
        Main main = Harvester.create(null, settings);
        main.start();
        return new RunningHarvester(main);
    }

    CamelContext context() {
        return main.getCamelContext();
    }

    /** The readiness check over HTTP, with its details. */
    HttpResponse<String> readiness() throws Exception {
        int port = context().hasService(VertxPlatformHttpServer.class).getPort();
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/observe/health/ready?data=true")).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        main.stop();
    }
}

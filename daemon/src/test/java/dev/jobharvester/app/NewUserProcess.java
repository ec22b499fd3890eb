package dev.jobharvester.app;

import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A command run as a new user runs it, in a folder of their own: none of the developer's harvester settings
 * (HARVESTER_*, TENSORPOOL_*, JAVA_OPTS) reach it, and its output is appended to {@code output.log} in the folder.
 */
final class NewUserProcess {

    private NewUserProcess() {
    }

    static ProcessBuilder in(Path folder, List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(folder.resolve("output.log").toFile()));
        builder.environment().keySet().removeIf(name -> name.startsWith("HARVESTER_") || name.startsWith("TENSORPOOL_")
                || name.equals("JAVA_OPTS"));
        return builder;
    }

    /** The environment a user sets to point a TensorPool pipeline at the simulator over plain http on loopback. */
    static Map<String, String> pointedAt(Simulator simulator) {
        return Map.of("TENSORPOOL_API_URL", simulator.apiUrl(TensorPoolApi.NAME),
                "TENSORPOOL_KEY", simulator.apiKey(TensorPoolApi.NAME),
                "HARVESTER_POLL_DELAY", "200",
                "HARVESTER_ALLOWED_HOSTS", "127.0.0.1",
                "HARVESTER_ALLOW_HTTP", "true",
                "HARVESTER_MANAGEMENT_PORT", "0");
    }

    /** What the commands run in the folder printed so far. */
    static String output(Path folder) throws IOException {
        Path log = folder.resolve("output.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }
}

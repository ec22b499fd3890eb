package dev.jobharvester.app;

import dev.jobharvester.common.SinkNames;
import dev.jobharvester.sim.Scenarios;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.camel.main.Main;

/**
 * Starts a simulated TensorPool with three jobs, runs the real pipeline from routes/ against it into demo-output/,
 * and prints what arrived where, checked against the simulator's own checksums.
 */
final class Demo {

    private static final Path HOME = Path.of("demo-output");
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private Demo() {
    }

    static int run(Path config) throws Exception {
        deleteTree(HOME);
        Path files = HOME.resolve("files").toAbsolutePath();
        try (Simulator simulator = Simulator.allPlatforms().start()) {
            List<SimJob> jobs = Scenarios.tensorPoolDemo(simulator);
            Main main = Harvester.create(config, Map.ofEntries(
                    Map.entry("tensorpool.api-url", simulator.apiUrl(TensorPoolApi.NAME)),
                    Map.entry("tensorpool.api-key", simulator.apiKey(TensorPoolApi.NAME)),
                    Map.entry("tensorpool.job-ids", jobs.stream().map(SimJob::id).collect(Collectors.joining(","))),
                    Map.entry("harvester.output-dir", files.toString()),
                    Map.entry("harvester.data-dir", HOME.resolve("data").toAbsolutePath().toString()),
                    Map.entry("harvester.poll-delay", "500"),
                    // The simulator serves plain http on this machine: allowed for the demo only.
                    Map.entry("harvester.allowed-hosts", "127.0.0.1"),
                    Map.entry("harvester.allow-http", "true"),
                    Map.entry("routes.tensorpool-to-directory.enabled", "true"),
                    // Any free port for health and metrics: the demo must not fail on a port some service holds.
                    Map.entry("camel.management.port", "0")));
            try {
                main.start();
            } catch (Exception e) {
                System.err.println("job-harvester demo: cannot start: " + Harvester.describe(e));
                return ExitCodes.CONFIG;
            }
            Set<String> harvested = Arrays.stream(main.getCamelContext()
                    .resolvePropertyPlaceholders("{{tensorpool.harvest-states}}").split(","))
                    .map(String::trim).collect(Collectors.toSet());
            List<SimJob> expected = jobs.stream().filter(j -> harvested.contains(finalState(j))).toList();
            boolean done = waitForManifests(files, expected);
            main.stop();
            report(files, jobs, harvested);
            if (!done) {
                System.out.println("\nThe demo did not finish within " + TIMEOUT.toSeconds() + " s: see the log above.");
                return ExitCodes.FAILED;
            }
        }
        return ExitCodes.OK;
    }

    private static String finalState(SimJob job) {
        return job.script().finalState();
    }

    private static Path jobDir(Path files, SimJob job) {
        return files.resolve(SinkNames.jobKey(TensorPoolApi.NAME, job.id()));
    }

    private static boolean waitForManifests(Path files, List<SimJob> jobs) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (jobs.stream().allMatch(j -> Files.exists(jobDir(files, j).resolve(SinkNames.MANIFEST)))) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    private static void report(Path files, List<SimJob> jobs, Set<String> harvested) throws IOException {
        System.out.println("\n=== job-harvester demo ===");
        System.out.println("Simulated TensorPool jobs, harvested by routes/tensorpool-to-directory.yaml into " + files);
        for (SimJob job : jobs) {
            Path dir = jobDir(files, job);
            System.out.println("\n" + job.id() + " (ended " + finalState(job) + ")");
            if (!harvested.contains(finalState(job))) {
                System.out.println("  not harvested: harvestStates is " + harvested + ". Run with"
                        + " TENSORPOOL_HARVEST_STATES=completed,error to harvest failed jobs' outputs too.");
                continue;
            }
            for (SimFile file : job.files()) {
                Path local = dir.resolve(file.path());
                String verdict = !Files.exists(local) ? "MISSING"
                        : Files.size(local) == file.size() && Digests.sha256(local).equals(file.sha256())
                                ? "SHA-256 matches the source" : "DIFFERS from the source";
                System.out.printf("  %-28s %,12d bytes  %s%n", file.path(), file.size(), verdict);
            }
            Path manifest = dir.resolve(SinkNames.MANIFEST);
            System.out.println("  " + (Files.exists(manifest) ? "manifest: " + manifest : "no manifest yet"));
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}

package dev.jobharvester.app;

import dev.jobharvester.common.SinkNames;
import dev.jobharvester.sim.PixxelApi;
import dev.jobharvester.sim.Scenarios;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.camel.main.Main;

/**
 * Starts the simulated platforms with jobs on each (TensorPool, Pixxel, Archetype AI, Chutes, and the declared
 * OpenAI Batch and Replicate), runs the shipped
 * directory pipelines against them into demo-output/, and prints what arrived where, checked against the simulator's
 * own checksums.
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
            Map<String, List<SimJob>> jobs = Scenarios.demo(simulator);
            Map<String, String> settings = new HashMap<>(Map.of(
                    "harvester.output-dir", files.toString(),
                    "harvester.data-dir", HOME.resolve("data").toAbsolutePath().toString(),
                    "harvester.poll-delay", "500",
                    // The simulator serves plain http on this machine: allowed for the demo only.
                    "harvester.allowed-hosts", "127.0.0.1",
                    "harvester.allow-http", "true",
                    "pixxel.workflow-id", PixxelApi.WORKFLOW,
                    // Any free port for health and metrics: the demo must not fail on a port some service holds.
                    "camel.management.port", "0"));
            jobs.forEach((platform, platformJobs) -> {
                settings.put(platform + ".api-url", simulator.apiUrl(platform));
                settings.put(platform + ".api-key", simulator.apiKey(platform));
                settings.put(platform + ".job-ids",
                        platformJobs.stream().map(SimJob::id).collect(Collectors.joining(",")));
                settings.put("routes." + platform + "-to-directory.enabled", "true");
            });
            Main main = Harvester.create(config, settings);
            try {
                main.start();
            } catch (Exception e) {
                System.err.println("job-harvester demo: cannot start: " + Harvester.describe(e));
                return ExitCodes.CONFIG;
            }
            Map<String, Set<String>> harvested = new LinkedHashMap<>();
            for (String platform : jobs.keySet()) {
                harvested.put(platform, Arrays.stream(main.getCamelContext()
                        .resolvePropertyPlaceholders("{{" + platform + ".harvest-states:}}").split(","))
                        .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet()));
            }
            boolean done = waitForManifests(files, jobs, harvested);
            main.stop();
            report(files, jobs, harvested);
            if (!done) {
                System.out.println("\nThe demo did not finish within " + TIMEOUT.toSeconds() + " s: see the log above.");
                return ExitCodes.FAILED;
            }
        }
        return ExitCodes.OK;
    }

    /** Whether the pipeline harvests a job ending in this state (no harvest-states setting: it harvests every end). */
    private static boolean harvests(Set<String> states, SimJob job) {
        return states.isEmpty() || states.contains(job.script().finalState());
    }

    private static Path jobDir(Path files, String platform, SimJob job) {
        return files.resolve(SinkNames.jobKey(platform, job.id()));
    }

    private static boolean waitForManifests(Path files, Map<String, List<SimJob>> jobs,
            Map<String, Set<String>> harvested) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (jobs.entrySet().stream().allMatch(platform -> platform.getValue().stream()
                    .filter(j -> harvests(harvested.get(platform.getKey()), j))
                    .allMatch(j -> Files.exists(jobDir(files, platform.getKey(), j).resolve(SinkNames.MANIFEST))))) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    private static void report(Path files, Map<String, List<SimJob>> jobs, Map<String, Set<String>> harvested)
            throws IOException {
        System.out.println("\n=== job-harvester demo ===");
        System.out.println("Simulated jobs on six platforms, harvested by the shipped pipelines {platform}-to-directory"
                + " into " + files);
        for (Map.Entry<String, List<SimJob>> platform : jobs.entrySet()) {
            for (SimJob job : platform.getValue()) {
                report(files, platform.getKey(), job, harvested.get(platform.getKey()));
            }
        }
    }

    private static void report(Path files, String platform, SimJob job, Set<String> harvested) throws IOException {
        Path dir = jobDir(files, platform, job);
        System.out.println("\n" + platform + " job " + job.id() + " (ended " + job.script().finalState() + ")");
        if (!harvests(harvested, job)) {
            System.out.println("  not harvested: harvestStates is " + harvested + ". Run with"
                    + " TENSORPOOL_HARVEST_STATES=completed,error to harvest failed jobs' outputs too.");
            return;
        }
        for (SimFile file : job.files()) {
            Path local = dir.resolve(file.path());
            String verdict = !Files.exists(local) ? "MISSING"
                    : Files.size(local) == file.size() && Digests.sha256(local).equals(file.sha256())
                            ? "SHA-256 matches the source" : "DIFFERS from the source";
            System.out.printf("  %-34s %,12d bytes  %s%n", file.path(), file.size(), verdict);
        }
        Path manifest = dir.resolve(SinkNames.MANIFEST);
        System.out.println("  " + (Files.exists(manifest) ? "manifest: " + manifest : "no manifest yet"));
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

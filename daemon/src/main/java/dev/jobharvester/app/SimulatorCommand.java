package dev.jobharvester.app;

import dev.jobharvester.sim.ArchetypeApi;
import dev.jobharvester.sim.BenchJobs;
import dev.jobharvester.sim.Scenarios;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import dev.jobharvester.sim.WatchedJobs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Serves the simulated platforms until stopped, and prints how to point the harvester at them. */
final class SimulatorCommand {

    private SimulatorCommand() {
    }

    /**
     * {@code --bench COPIES}: the benchmark's jobs, each in COPIES copies so that a running daemon harvests a fresh one
     * per repetition; storage also answers unsigned GETs and folder listings, for the tools compared.
     */
    private static void bench(Simulator simulator, CommandLine line) {
        int copies = (int) line.longOption("bench", 1);
        simulator.requests().off();
        simulator.openStorage();
        BenchJobs.small(simulator, copies, (int) line.longOption("small-files", 20_000),
                line.longOption("small-file-bytes", 64 * 1024));
        BenchJobs.large(simulator, copies, line.longOption("large-bytes", 2L << 30));
        BenchJobs.capped(simulator, copies, line.longOption("capped-bytes", 200_000_000),
                line.longOption("capped-rate", 20_000_000));
        BenchJobs.listing(simulator, (int) line.longOption("listing-small", 1_000));
        BenchJobs.listing(simulator, (int) line.longOption("listing-large", 100_000));
    }

    static int run(CommandLine line) throws Exception {
        long largeBytes = line.longOption("large-file-bytes", 0);
        Simulator simulator = Simulator.allPlatforms().start((int) line.longOption("port", 0));
        List<SimJob> jobs = new ArrayList<>(Scenarios.tensorPoolDemo(simulator));
        if (largeBytes > 0) {
            jobs.add(Scenarios.tensorPoolLarge(simulator, largeBytes));
        }
        if (line.option("bench", null) != null) {
            bench(simulator, line);
        }
        simulator.apiLatency(Duration.ofMillis(line.longOption("api-latency", 0)));
        int watched = (int) line.longOption("watch", 0);
        if (watched > 0) {
            // A crowd of waiting jobs for the benchmark of many watched jobs, ended through /_watch/end.
            String platform = line.option("watch-platform", TensorPoolApi.NAME);
            boolean upper = platform.equals(ArchetypeApi.NAME);
            new WatchedJobs(simulator, platform, watched, upper ? "RUNNING" : "running",
                    upper ? "COMPLETED" : "completed");
            simulator.requests().off();
        }
        System.out.println("Simulated TensorPool API: " + simulator.apiUrl(TensorPoolApi.NAME));
        System.out.println("Point the harvester at it:");
        System.out.println("  export TENSORPOOL_API_URL=" + simulator.apiUrl(TensorPoolApi.NAME));
        System.out.println("  export TENSORPOOL_KEY=" + simulator.apiKey(TensorPoolApi.NAME));
        System.out.println("  export TENSORPOOL_JOB_IDS=" + String.join(",", jobs.stream().map(SimJob::id).toList()));
        System.out.println("  export ARCHETYPE_API_URL=" + simulator.apiUrl(ArchetypeApi.NAME));
        System.out.println("  export ATAI_API_KEY=" + simulator.apiKey(ArchetypeApi.NAME));
        System.out.println("  export HARVESTER_ALLOWED_HOSTS=127.0.0.1 HARVESTER_ALLOW_HTTP=true");
        System.out.println("Storage: http://127.0.0.1:" + simulator.storagePort() + "/" + Simulator.BUCKET + "/");
        System.out.println("Stop with Ctrl-C.");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            stopped.countDown();
        }, "simulator-shutdown"));
        stopped.await();
        return ExitCodes.OK;
    }
}

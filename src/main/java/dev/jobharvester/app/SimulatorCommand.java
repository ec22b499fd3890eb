package dev.jobharvester.app;

import dev.jobharvester.sim.Scenarios;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Serves the simulated platforms until stopped, and prints how to point the harvester at them. */
final class SimulatorCommand {

    private SimulatorCommand() {
    }

    static int run(CommandLine line) throws Exception {
        long largeBytes = line.longOption("large-file-bytes", 0);
        Simulator simulator = Simulator.allPlatforms().start((int) line.longOption("port", 0));
        List<SimJob> jobs = new ArrayList<>(Scenarios.tensorPoolDemo(simulator));
        if (largeBytes > 0) {
            jobs.add(Scenarios.tensorPoolLarge(simulator, largeBytes));
        }
        System.out.println("Simulated TensorPool API: " + simulator.apiUrl(TensorPoolApi.NAME));
        System.out.println("Point the harvester at it:");
        System.out.println("  export TENSORPOOL_API_URL=" + simulator.apiUrl(TensorPoolApi.NAME));
        System.out.println("  export TENSORPOOL_KEY=" + simulator.apiKey(TensorPoolApi.NAME));
        System.out.println("  export TENSORPOOL_JOB_IDS=" + String.join(",", jobs.stream().map(SimJob::id).toList()));
        System.out.println("  export HARVESTER_ALLOWED_HOSTS=127.0.0.1 HARVESTER_ALLOW_HTTP=true");
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

package dev.jobharvester.sim;

import java.util.List;

/** Ready-made sets of simulated jobs, shared by the demo, the simulator command and tests. */
public final class Scenarios {

    public static final String TRAINED = "tp-demo-train";
    public static final String CRASHED = "tp-demo-crashed";
    public static final String SWEEP = "tp-demo-sweep";
    public static final String LARGE = "tp-large";

    private Scenarios() {
    }

    /**
     * Three TensorPool jobs: one completed, one whose code failed ({@code error}), and one still pending and running
     * for a few polls before it completes; all with nested output paths.
     */
    public static List<SimJob> tensorPoolDemo(Simulator simulator) {
        return List.of(
                simulator.addJob(TensorPoolApi.NAME, SimJob.of(TRAINED, JobScript.always("completed"),
                        SimFile.of("model/weights.bin", 8L << 20),
                        SimFile.of("model/config.json", 2_048),
                        SimFile.of("logs/train.log", 200_000),
                        SimFile.of("metrics/eval/summary.csv", 10_000))),
                simulator.addJob(TensorPoolApi.NAME, SimJob.of(CRASHED,
                        JobScript.start("running", 1).thenStays("error"),
                        SimFile.of("logs/stderr.log", 40_000),
                        SimFile.of("checkpoints/step-100.pt", 1L << 20))),
                simulator.addJob(TensorPoolApi.NAME, SimJob.of(SWEEP,
                        JobScript.start("pending", 1).then("running", 3).thenStays("completed"),
                        SimFile.of("results/sweep.json", 16_384),
                        SimFile.of("results/plots/loss.png", 300_000))));
    }

    /** One completed TensorPool job with a single file of the given size, generated as it is served. */
    public static SimJob tensorPoolLarge(Simulator simulator, long bytes) {
        return simulator.addJob(TensorPoolApi.NAME, SimJob.of(LARGE, JobScript.always("completed"),
                SimFile.of("large/blob.bin", bytes)));
    }
}

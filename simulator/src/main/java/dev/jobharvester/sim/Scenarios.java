package dev.jobharvester.sim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Ready-made sets of simulated jobs, shared by the demo, the simulator command and tests. */
public final class Scenarios {

    public static final String TRAINED = "tp-demo-train";
    public static final String CRASHED = "tp-demo-crashed";
    public static final String SWEEP = "tp-demo-sweep";
    public static final String LARGE = "tp-large";
    public static final String SCENE = "4f1c2a7e-0b7d-4e7b-9b1a-2f0c6d3e8a51";
    public static final String FORECAST = "job_demoforecast0000000001";
    public static final String INFERENCE = "0b6a9a54-8d8b-4a0e-9a57-3c1f0e2d7b11";
    public static final String BATCH = "batch_6760b3f4e1c48190a5d8b2f1c1d0e9a7";
    public static final String PREDICTION = "gm3qorzdhgbfurvjtvhg6dckhu";

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

    /**
     * The demo's jobs on every platform: {@link #tensorPoolDemo}'s three, and one ending well on each of the others
     * (OpenAI's Batch API and Replicate's predictions are declared platforms: platform files, no Java).
     */
    public static Map<String, List<SimJob>> demo(Simulator simulator) {
        Map<String, List<SimJob>> jobs = new LinkedHashMap<>();
        jobs.put(TensorPoolApi.NAME, tensorPoolDemo(simulator));
        jobs.put(PixxelApi.NAME, List.of(simulator.addJob(PixxelApi.NAME, SimJob.of(SCENE,
                JobScript.start("running", 2).thenStays("completed"),
                SimFile.of("scene/band-1.tif", 2L << 20),
                SimFile.of("scene/meta/info.json", 3_000)))));
        jobs.put(ArchetypeApi.NAME, List.of(simulator.addJob(ArchetypeApi.NAME, SimJob.of(FORECAST,
                JobScript.start("PENDING", 1).then("RUNNING", 1).thenStays("COMPLETED"),
                SimFile.of("forecast/input-1/forecast.json", 40_000),
                SimFile.of("forecast/input-1/forecast.png", 250_000)))));
        jobs.put(ChutesApi.NAME, List.of(simulator.addJob(ChutesApi.NAME, SimJob.of(INFERENCE,
                JobScript.start("running", 1).thenStays("finished"),
                SimFile.of("output.jsonl", 120_000)))));
        jobs.put(OpenAiBatchApi.NAME, List.of(simulator.addJob(OpenAiBatchApi.NAME, SimJob.of(BATCH,
                JobScript.start("validating", 1).then("in_progress", 1).then("finalizing", 1).thenStays("completed"),
                SimFile.of(OpenAiBatchApi.OUTPUT, 300_000), SimFile.of(OpenAiBatchApi.ERRORS, 4_000)))));
        jobs.put(ReplicateApi.NAME, List.of(simulator.addJob(ReplicateApi.NAME, SimJob.of(PREDICTION,
                JobScript.start("starting", 1).then("processing", 1).thenStays("succeeded"),
                SimFile.of("out-0.webp", 180_000), SimFile.of("out-1.webp", 175_000)))));
        return jobs;
    }

    /** One completed TensorPool job with a single file of the given size, generated as it is served. */
    public static SimJob tensorPoolLarge(Simulator simulator, long bytes) {
        return simulator.addJob(TensorPoolApi.NAME, SimJob.of(LARGE, JobScript.always("completed"),
                SimFile.of("large/blob.bin", bytes)));
    }
}

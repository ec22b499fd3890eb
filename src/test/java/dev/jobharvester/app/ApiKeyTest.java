package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.RequestLog;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The platform's API key goes to its API host and nowhere else: not to storage, not into the log. */
class ApiKeyTest {

    private static final String KEY = "tp-key-8f3a9c1e5b7d2046";

    @TempDir
    Path dir;

    @Test
    void theKeyReachesTheApiHostOnlyAndNeverTheLog() throws Exception {
        try (Simulator simulator = new Simulator(new TensorPoolApi(KEY)).start();
                CapturedLog log = CapturedLog.attach()) {
            SimJob job = simulator.addJob(TensorPoolApi.NAME, SimJob.of("tp-secret", JobScript.always("completed"),
                    SimFile.of("out/a.bin", 50_000), SimFile.of("b.txt", 100)));
            // One file fails once, so the failure path's messages are in the log too.
            job.file("out/a.bin").abortAfter(10_000, 1);
            Path output = RunningHarvester.output(dir);
            try (RunningHarvester harvester = RunningHarvester.start(RunningHarvester.settings(simulator, dir, job.id()))) {
                await().atMost(Duration.ofSeconds(30)).until(() -> Delivered.manifestPresent(TensorPoolApi.NAME, output, job));
            }
            Delivered.assertComplete(TensorPoolApi.NAME, output, job, "completed");

            List<RequestLog.Entry> storage = simulator.requests().matching(e -> e.host().equals("storage"));
            List<RequestLog.Entry> api = simulator.requests().matching(e -> e.host().equals("api"));
            assertThat(storage).hasSizeGreaterThanOrEqualTo(3);
            assertThat(storage).allSatisfy(e -> {
                assertThat(e.authorization()).isNull();
                assertThat(e.rawRequest()).doesNotContain(KEY);
            });
            assertThat(api).isNotEmpty().allSatisfy(e -> assertThat(e.authorization()).isEqualTo("Bearer " + KEY));
            assertThat(log.lines()).isNotEmpty().noneMatch(line -> line.contains(KEY));
            assertThat(log.lines()).as("presigned signatures in the log").noneMatch(l -> l.contains("X-Amz-Signature="));
        }
    }
}

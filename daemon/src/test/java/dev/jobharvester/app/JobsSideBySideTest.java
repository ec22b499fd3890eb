package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A long harvest holds back no other job: their states are still asked, and they are harvested meanwhile. */
class JobsSideBySideTest {

    private static final String NAME = TensorPoolApi.NAME;

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    private SimJob large;
    private SimJob small;

    /** A large job to harvest first (about 8 s of download), and a small one that ends a few status calls later. */
    private Map<String, String> jobs() {
        large = simulator.addJob(NAME, SimJob.of("tp-large", JobScript.always("completed"),
                SimFile.of("checkpoint.bin", 16L << 20).throttle(2L << 20)));
        small = simulator.addJob(NAME, SimJob.of("tp-small", JobScript.start("running", 3).thenStays("completed"),
                SimFile.of("metrics.json", 1_000)));
        return RunningHarvester.settings(simulator, dir, large.id() + "," + small.id());
    }

    private long statusCalls(SimJob job) {
        return simulator.requests().matching(e -> e.path().equals("/tensorpool/job/info/" + job.id())).size();
    }

    private void assertDeliveredOnce(Path output) throws Exception {
        assertThat(simulator.deliveryFaults(NAME, large, output.resolve(NAME).resolve(large.id()))).isEmpty();
        assertThat(simulator.deliveryFaults(NAME, small, output.resolve(NAME).resolve(small.id()))).isEmpty();
    }

    @Test
    void statesAreStillAskedWhileEveryJobWorkerHarvests() throws Exception {
        Map<String, String> settings = jobs();
        settings.put("harvester.concurrent-jobs", "1");
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> statusCalls(small) >= 4);
            assertThat(Delivered.manifestPresent(NAME, output, large)).as("the large job still downloading").isFalse();
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, small)
                    && Delivered.manifestPresent(NAME, output, large));
        }
        assertDeliveredOnce(output);
    }

    @Test
    void aSmallJobIsHarvestedBesideALargeOneNotAfterIt() throws Exception {
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(jobs())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, small));
            assertThat(Delivered.manifestPresent(NAME, output, large)).as("the large job still downloading").isFalse();
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, large));
        }
        assertDeliveredOnce(output);
    }
}

package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon stopped in the middle of a job and started again on the same data directory. */
class RestartTest {

    private static final String SLOW = "big/slow.bin";

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();
    private SimJob job;

    @BeforeEach
    void job() throws Exception {
        // The slow file is third: the stop comes while it downloads, after two files are in, before three others.
        job = simulator.addJob(TensorPoolApi.NAME, SimJob.of("tp-restart", JobScript.always("completed"),
                SimFile.of("first.txt", 10_000),
                SimFile.of("nested/second.json", 20_000),
                SimFile.of(SLOW, 4_000_000).throttle(400_000),
                SimFile.of("nested/deeper/third.bin", 300_000),
                SimFile.of("fourth.log", 5_000),
                SimFile.of("fifth.csv", 7_000)));
    }


    @Test
    void aStoppedDaemonFinishesTheJobAfterRestartWithoutFetchingDeliveredFilesAgain() throws Exception {
        Map<String, String> settings = RunningHarvester.settings(simulator, dir, job.id());
        // Graceful shutdown gives in-flight files one second; the slow file needs ten, so it is cut off.
        settings.put("camel.main.shutdown-timeout", "1");
        // One file at a time, so that the stop lands between known files.
        settings.put("harvester.concurrent-downloads", "1");
        Path output = RunningHarvester.output(dir);
        Path jobDir = Delivered.jobDir(TensorPoolApi.NAME, output, job);

        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(30)).until(this::slowFileRequested);
        }
        assertThat(jobDir.resolve("first.txt")).exists();
        assertThat(jobDir.resolve("nested/second.json")).exists();
        assertThat(jobDir.resolve(SLOW)).as("a cut-off file under its final name").doesNotExist();
        assertThat(jobDir.resolve("nested/deeper/third.bin")).doesNotExist();
        assertThat(jobDir.resolve("_manifest.json")).doesNotExist();

        job.file(SLOW).throttle(0);
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> Delivered.manifestPresent(TensorPoolApi.NAME, output, job));
        }

        Delivered.assertComplete(TensorPoolApi.NAME, output, job, "completed");
        for (SimFile file : job.files()) {
            long expected = file.path().equals(SLOW) ? 2 : 1;
            assertThat(simulator.downloads(TensorPoolApi.NAME, job.id(), file.path()))
                    .as("downloads of %s", file.path()).isEqualTo(expected);
        }
        try (Stream<Path> files = Files.walk(output)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".inprogress-"));
        }
    }

    private boolean slowFileRequested() {
        return simulator.downloads(TensorPoolApi.NAME, job.id(), SLOW) > 0;
    }
}

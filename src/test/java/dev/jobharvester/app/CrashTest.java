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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon in its own process, killed with SIGKILL in the middle of a harvest and started again, several times. */
class CrashTest {

    private static final String NAME = TensorPoolApi.NAME;

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    private long delivered(Path jobDir) throws Exception {
        if (!Files.isDirectory(jobDir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(jobDir)) {
            return files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).count();
        }
    }

    @Test
    void killedAtSeveralPointsAndRestartedEveryFileArrivesOnceAndWhole() throws Exception {
        List<SimFile> files = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            // Throttled, so that each kill lands in the middle of some transfer.
            files.add(SimFile.of("part-" + i + "/data-" + i + ".bin", 300_000 + i * 10_000).throttle(1_500_000));
        }
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-crash", JobScript.always("completed"), files));
        Path output = RunningHarvester.output(dir);
        Path jobDir = Delivered.jobDir(NAME, output, job);
        Map<String, String> environment = Map.of("TENSORPOOL_API_URL", simulator.apiUrl(NAME),
                "TENSORPOOL_KEY", simulator.apiKey(NAME), "TENSORPOOL_JOB_IDS", job.id(),
                "HARVESTER_OUTPUT_DIR", output.toString(), "HARVESTER_DATA_DIR", dir.resolve("data").toString(),
                "HARVESTER_POLL_DELAY", "200", "HARVESTER_ALLOWED_HOSTS", "127.0.0.1", "HARVESTER_ALLOW_HTTP", "true");

        int kills = 0;
        for (long killAfter : new long[] {2, 5, 9}) {
            DaemonProcess daemon = DaemonProcess.start(dir, "-Xmx256m", environment);
            await().atMost(Duration.ofSeconds(60)).until(() -> delivered(jobDir) >= killAfter);
            daemon.kill();
            kills++;
        }
        try (DaemonProcess daemon = DaemonProcess.start(dir, "-Xmx256m", environment)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
        }

        Delivered.assertComplete(NAME, output, job, "completed");
        try (Stream<Path> everything = Files.walk(output)) {
            assertThat(everything.map(p -> p.getFileName().toString())).as("temp files left by the crashes")
                    .noneMatch(n -> n.startsWith(".inprogress-"));
        }
        long downloads = 0;
        for (SimFile file : files) {
            long count = simulator.downloads(NAME, job.id(), file.path());
            assertThat(count).as("downloads of %s", file.path()).isBetween(1L, 2L);
            downloads += count;
        }
        assertThat(downloads).as("a kill costs at most the file it cut off").isLessThanOrEqualTo(files.size() + kills);
    }
}

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
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon in its own process, killed with SIGKILL in the middle of a harvest and started again, several times; and
 * stopped with SIGTERM in the middle of a large download, as systemd or Kubernetes stop it.
 */
class CrashTest {

    private static final String NAME = TensorPoolApi.NAME;
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(3);
    private static final int CONCURRENCY = 4;
    /** JVM exit, Camel's shutdown of the other routes, logging: generous, as CI machines are slow. */
    private static final Duration STOP_ALLOWANCE = Duration.ofSeconds(15);

    /**
     * What a kill may cost per file in flight: a file is marked for resuming once its first MiB is written (sink's
     * KeptPart), and what was received but not written (a buffer, the socket's) is lost with the process.
     */
    private static final long KEPT_PART_SLACK = 1 << 20;
    private static final int KILLS = 20;

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    private Map<String, String> environment(SimJob job) {
        Map<String, String> environment = DaemonProcess.tensorPoolEnvironment(simulator, dir, job.id());
        environment.put("HARVESTER_SHUTDOWN_TIMEOUT", String.valueOf(SHUTDOWN_TIMEOUT.toSeconds()));
        return environment;
    }

    @Test
    void sigtermDuringALargeDownloadStopsWithinTheBoundAndTheRestartDeliversItOnce() throws Exception {
        SimFile large = SimFile.of("model/weights.bin", 100_000_000).throttle(4_000_000);
        SimFile small = SimFile.of("config.json", 2_000);
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-sigterm", JobScript.always("completed"), small, large));
        Path output = RunningHarvester.output(dir);
        Path jobDir = Delivered.jobDir(NAME, output, job);

        DaemonProcess daemon = DaemonProcess.start(dir, "-Xmx64m", environment(job));
        await().atMost(Duration.ofSeconds(60)).until(() -> large.bytesServed() > 8_000_000);
        // Graceful stop waits for the download up to the shutdown timeout, then cuts it: 4 MB/s leaves 23 s to go.
        assertThat(daemon.terminate(SHUTDOWN_TIMEOUT.plus(STOP_ALLOWANCE))).as("exit code after SIGTERM")
                .isEqualTo(143);
        assertThat(jobDir.resolve(large.path())).as("a cut file never appears under its name").doesNotExist();
        assertThat(jobDir.resolve("_manifest.json")).doesNotExist();

        large.throttle(0);
        try (DaemonProcess restarted = DaemonProcess.start(dir, "-Xmx64m", environment(job))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
        }
        Delivered.assertComplete(NAME, output, job, "completed");
        assertThat(simulator.downloads(NAME, job.id(), small.path())).as("delivered before the stop").isEqualTo(1);
        assertThat(simulator.downloads(NAME, job.id(), large.path())).as("cut once, then the rest").isEqualTo(2);
        assertThat(large.bytesServed()).as("the bytes before the stop are kept, not fetched again")
                .isLessThanOrEqualTo(large.size() + KEPT_PART_SLACK);
        try (Stream<Path> everything = Files.walk(output)) {
            assertThat(everything.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".inprogress-"));
        }
    }

    @Test
    void aLoopOfTwentyKillsAtRandomMomentsRefetchesAtMostAKeptPartsSlackPerFileInFlight() throws Exception {
        long seed = Long.getLong("kills.seed", System.nanoTime());
        System.out.println("kill loop seed: " + seed + " (-Dkills.seed=" + seed + " repeats it)");
        Random random = new Random(seed);
        List<SimFile> files = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // Large and slow: each takes many lives to arrive.
            files.add(SimFile.of("checkpoints/step-" + i + ".bin", 32_000_000 + i * 1_000_003).throttle(2_000_000));
        }
        for (int i = 0; i < 12; i++) {
            files.add(SimFile.of("logs/rank-" + i + ".log", 150_000 + i * 7_001).throttle(500_000));
        }
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-kill-loop", JobScript.always("completed"), files));
        Path output = RunningHarvester.output(dir);
        Map<String, String> environment = environment(job);
        // Two lanes: a kill then loses at most two kept parts' slack, while a life moves a few MB on.
        int lanes = 2;
        environment.put("HARVESTER_CONCURRENT_DOWNLOADS", String.valueOf(lanes));

        for (int kill = 0; kill < KILLS; kill++) {
            long servedBefore = served(files);
            // Killed at a random point of this life's progress: as soon as its first byte is served, or after up to
            // 8 MB more (mid-transfer, mid-commit, mid-record).
            long progress = random.nextInt(5) == 0 ? 1 : 1 + random.nextInt(8_000_000);
            DaemonProcess daemon = DaemonProcess.start(dir, "-Xmx128m", environment);
            await().atMost(Duration.ofSeconds(60)).until(() -> served(files) >= servedBefore + progress
                    || Delivered.manifestPresent(NAME, output, job));
            daemon.kill();
        }
        lastLifeCompletes(job, "-Xmx128m", environment);
        long size = files.stream().mapToLong(SimFile::size).sum();
        long refetched = served(files) - size;
        System.out.printf("kill loop: %d kills, %d bytes listed, %d fetched again (%.1f%%), bound %d%n", KILLS, size,
                refetched, 100.0 * refetched / size, KILLS * lanes * KEPT_PART_SLACK);
        assertThat(refetched).as("bytes fetched again over %d kills", KILLS)
                .isLessThanOrEqualTo(KILLS * lanes * KEPT_PART_SLACK);
    }

    /** Starts the daemon once more: the job is completed, every file whole, no temp file left by the kills. */
    private void lastLifeCompletes(SimJob job, String heap, Map<String, String> environment) throws Exception {
        Path output = RunningHarvester.output(dir);
        try (DaemonProcess daemon = DaemonProcess.start(dir, heap, environment)) {
            await().atMost(Duration.ofSeconds(120)).until(() -> Delivered.manifestPresent(NAME, output, job));
        }
        Delivered.assertComplete(NAME, output, job, "completed");
        try (Stream<Path> everything = Files.walk(output)) {
            assertThat(everything.map(p -> p.getFileName().toString())).as("temp files left by the kills")
                    .noneMatch(n -> n.startsWith(".inprogress-"));
        }
    }

    private static long served(List<SimFile> files) {
        return files.stream().mapToLong(SimFile::bytesServed).sum();
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
        Map<String, String> environment = environment(job);
        environment.put("HARVESTER_CONCURRENT_DOWNLOADS", String.valueOf(CONCURRENCY));

        int kills = 0;
        for (long killAfter : new long[] {2, 5, 9}) {
            DaemonProcess daemon = DaemonProcess.start(dir, "-Xmx256m", environment);
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.finalFilesWhileRunning(jobDir) >= killAfter);
            daemon.kill();
            kills++;
        }
        lastLifeCompletes(job, "-Xmx256m", environment);
        long downloads = 0;
        for (SimFile file : files) {
            long count = simulator.downloads(NAME, job.id(), file.path());
            assertThat(count).as("downloads of %s", file.path()).isBetween(1L, 1L + kills);
            downloads += count;
        }
        // In flight, per lane: the file it downloads, and the one it handed to the group commit (renamed, perhaps, but
        // not yet recorded: the kill lands as a file appears under its name).
        assertThat(downloads).as("a kill costs at most the files in flight").isLessThanOrEqualTo(
                files.size() + (long) kills * CONCURRENCY * 2);
    }
}

package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.jobharvester.durability.SmallFileSystem;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code harvest} as a cron job runs it, and {@code ledger} as an operator reads what it did. */
class HarvestCommandTest {

    private static final String NAME = TensorPoolApi.NAME;

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();
    private Path config;
    private OneShot oneShot;

    @BeforeEach
    void writeSettings() throws Exception {
        config = SettingsFile.write(dir, RunningHarvester.settings(simulator, dir));
        oneShot = new OneShot(config);
    }

    private int harvest(String... options) throws Exception {
        return oneShot.harvest(options);
    }

    private String printed() {
        return oneShot.printed();
    }

    @Test
    void harvestsTheNamedJobsOnceAndSaysWhatIsNotReadyYet() throws Exception {
        SimJob done = simulator.addJob(NAME, SimJob.of("tp-done", JobScript.start("running", 2).thenStays("completed"), SimFile.of("a.bin",
                300_000), SimFile.of("dir/b.txt", 1_000)));
        SimJob running = simulator.addJob(NAME, SimJob.of("tp-running", JobScript.always("running")));

        assertThat(harvest("--route", "tensorpool-to-directory", "--jobs", done.id(), "--wait", "30")).isZero();
        assertThat(printed()).contains("tensorpool job tp-done: harvested");
        Delivered.assertComplete(NAME, RunningHarvester.output(dir), done, "completed");

        assertThat(harvest("--route", "tensorpool-to-directory", "--jobs", done.id())).as("again: nothing to do").isZero();
        Delivered.assertEachDownloadedOnce(simulator, NAME, done);

        assertThat(harvest("--route", "tensorpool-to-directory", "--jobs", running.id()))
                .isEqualTo(ExitCodes.NOT_FINISHED);
        assertThat(printed()).contains("tensorpool job tp-running: not finished on the platform yet");

        ByteArrayOutputStream listing = new ByteArrayOutputStream();
        assertThat(LedgerReport.run(config, CommandLine.parse(new String[0]), new PrintStream(listing, true,
                StandardCharsets.UTF_8), System.err)).isZero();
        assertThat(listing.toString(StandardCharsets.UTF_8)).contains("tensorpool-to-directory")
                .contains("tensorpool/tp-done  complete");
    }

    @Test
    void waitingForAJobAsksAgainWithinSecondsNotAtTheDaemonsPollDelay() throws Exception {
        Map<String, String> settings = RunningHarvester.settings(simulator, dir);
        settings.put("harvester.poll-delay", "30000");
        OneShot daemonPaced = new OneShot(SettingsFile.write(dir, settings));
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-soon", JobScript.start("pending", 2).then("running", 2)
                .thenStays("completed"), SimFile.of("out.bin", 10_000)));

        assertThat(daemonPaced.harvest("--route", "tensorpool-to-directory", "--jobs", job.id(), "--wait", "20"))
                .as("exit code; printed: %s", daemonPaced.printed()).isZero();
        assertThat(daemonPaced.printed()).contains("tensorpool job tp-soon: harvested");
        Delivered.assertComplete(NAME, RunningHarvester.output(dir), job, "completed");
    }

    @Test
    void aPlatformWhoseApiDoesNotAnswerEndsTheCommandWithExitCodeThreeNamingWhy() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        oneShot = new OneShot(SettingsFile.write(dir, merged(Map.of(NAME + ".api-url", "http://127.0.0.1:" + closedPort))));

        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThat(harvest("--route", "tensorpool-to-directory",
                "--jobs", "tp-unreachable")).as("printed: %s", printed()).isEqualTo(ExitCodes.NOT_FINISHED));
        assertThat(printed()).contains("tensorpool job tp-unreachable: not reached: its API is failing since ")
                .contains("127.0.0.1:" + closedPort).contains("try again later");
        assertThat(RunningHarvester.output(dir).resolve(NAME)).as("nothing delivered").doesNotExist();
    }

    @Test
    void aJobWhosePlatformStopsAnsweringWhileItIsHarvestedIsLeftForTheNextRunWithWhatWasDelivered() throws Exception {
        // URLs live one to two seconds: the slow file's break at 2.4 s needs a fresh one, from an API down by then.
        simulator.urlTtl(Duration.ofSeconds(1));
        SimFile quick = SimFile.of("quick.txt", 1_000);
        SimFile slow = SimFile.of("slow.bin", 1_500_000).throttle(500_000).abortAfter(1_200_000, 1);
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-outage", JobScript.always("completed"), quick, slow));
        Path jobDir = Delivered.jobDir(NAME, RunningHarvester.output(dir), job);
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> {
            try {
                return harvest("--route", "tensorpool-to-directory", "--jobs", job.id());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> slow.bytesServed() > 0 && quick.deliveredUnder(jobDir));
        simulator.stopApi();

        assertThat(run.get(HarvestOnce.STALLED_GRACE.toSeconds() + 60, TimeUnit.SECONDS)).as("printed: %s",
                printed()).isEqualTo(ExitCodes.NOT_FINISHED);
        assertThat(printed()).contains("tensorpool job tp-outage: not finished: tensorpool API does not answer: ")
                .contains("try again later");
        assertThat(quick.deliveredUnder(jobDir)).as("what was delivered stays").isTrue();
        assertThat(Delivered.manifestPresent(NAME, RunningHarvester.output(dir), job)).isFalse();

        simulator.restartApi();
        assertThat(harvest("--route", "tensorpool-to-directory", "--jobs", job.id())).as("the next run; printed: %s",
                printed()).isZero();
        Delivered.assertComplete(NAME, RunningHarvester.output(dir), job, "completed");
        assertThat(simulator.downloads(NAME, job.id(), quick.path())).as("delivered once, not fetched again")
                .isEqualTo(1);
    }

    @Test
    void aJobWhoseSinkDiskIsFullIsLeftForTheNextRunWhichHarvestsItOnceThereIsRoom() throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-fullsink", JobScript.always("completed"),
                SimFile.of("a.bin", 100_000), SimFile.of("b/c.bin", 100_000)));
        try (SmallFileSystem disk = SmallFileSystem.mount(dir.resolve("sinkdisk"), "256k")) {
            Path output = disk.root().resolve("out");
            OneShot full = new OneShot(SettingsFile.write(dir, merged(Map.of("harvester.output-dir",
                    output.toString()))));
            Path filler = disk.fill();

            assertTimeoutPreemptively(HarvestOnce.STALLED_GRACE.plusSeconds(60), () -> assertThat(full.harvest(
                    "--route", "tensorpool-to-directory", "--jobs", job.id())).as("printed: %s", full.printed())
                    .isEqualTo(ExitCodes.NOT_FINISHED));
            assertThat(full.printed()).contains("tensorpool job tp-fullsink: not finished: the sink fails as a whole")
                    .contains("No space left on device").contains("try again later");

            Files.delete(filler);
            assertThat(full.harvest("--route", "tensorpool-to-directory", "--jobs", job.id()))
                    .as("the next run, with room; printed: %s", full.printed()).isZero();
            Delivered.assertComplete(NAME, output, job, "completed");
        }
    }

    @Test
    void aJobWhoseFileKeepsFailingEndsWithExitCodeOneAndTheLedgerShowsItParked() throws Exception {
        SimFile broken = SimFile.of("broken.bin", 200_000).abortAfter(10_000, Integer.MAX_VALUE);
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-broken", JobScript.always("completed"), broken,
                SimFile.of("fine.txt", 500)));
        config = SettingsFile.write(dir, merged(Map.of("harvester.max-resumes", "0", "harvester.max-file-attempts", "2")));
        oneShot = new OneShot(config);

        assertThat(harvest("--route", "tensorpool-to-directory", "--jobs", job.id())).isEqualTo(ExitCodes.FAILED);
        assertThat(printed()).contains("tensorpool job tp-broken: not complete: some files failed too often");

        ByteArrayOutputStream listing = new ByteArrayOutputStream();
        LedgerReport.run(config, CommandLine.parse(new String[] {"--route", "tensorpool-to-directory"}),
                new PrintStream(listing, true, StandardCharsets.UTF_8), System.err);
        assertThat(listing.toString(StandardCharsets.UTF_8)).contains("tensorpool/tp-broken  in progress: 2 files")
                .contains("1 parked").containsPattern("file +fine.txt +500 B +sha256 [0-9a-f]{64}")
                .containsPattern("parked +broken.bin .*Premature end");
    }

    private Map<String, String> merged(Map<String, String> changes) {
        Map<String, String> settings = RunningHarvester.settings(simulator, dir);
        settings.putAll(changes);
        return settings;
    }

    @Test
    void anUnknownPipelineIsNamedWithTheKnownOnes() throws Exception {
        assertThat(harvest("--route", "tensorpool-to-nowhere", "--jobs", "x")).isEqualTo(ExitCodes.CONFIG);
        assertThat(oneShot.errors()).contains("no job-outputs pipeline has the id"
                + " 'tensorpool-to-nowhere'").contains("tensorpool-to-directory");
    }

    @Test
    void theLedgerCommandNamesADamagedLedgerInOneLineWithoutAStackTrace() throws Exception {
        Path ledger = dir.resolve("data/ledger/tensorpool-to-directory.jsonl");
        Files.createDirectories(ledger.getParent());
        Files.writeString(ledger, "{\"op\":\"complete\",\"job\":\"tensorpool/x\",\"at\":\"2026-11-23T10:00:00Z\"}\nnot json\n{\"op\":\"complete\",\"job\":\"tensorpool/y\",\"at\":\"2026-11-23T10:00:00Z\"}\n");
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        assertThat(LedgerReport.run(config, CommandLine.parse(new String[0]), new PrintStream(
                OutputStream.nullOutputStream()), new PrintStream(errors, true, StandardCharsets.UTF_8)))
                .isEqualTo(ExitCodes.FAILED);
        assertThat(errors.toString(StandardCharsets.UTF_8)).contains(ledger.toString()).contains("damaged at line 2")
                .doesNotContain("\tat ").hasLineCount(1);
    }
}

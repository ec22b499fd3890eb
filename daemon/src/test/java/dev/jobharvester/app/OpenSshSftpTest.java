package dev.jobharvester.app;

import dev.jobharvester.testing.CapturedLog;
import static dev.jobharvester.app.SyscallTrace.named;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import dev.jobharvester.sink.OpenSshServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * routes/tensorpool-to-sftp.yaml onto a real OpenSSH server, traced with strace: an older copy of a file must be
 * replaced by one rename (posix-rename), never unlinked first, so that its name is never empty.
 */
class OpenSshSftpTest {

    private static final String NAME = TensorPoolApi.NAME;
    private static final String FILE = "metrics/eval.json";
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    /** Harvests a job over an older copy of one of its files; answers the server's trace. */
    private SyscallTrace harvestOverAnOlderCopy(String fileExist) throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-openssh", JobScript.always("completed"),
                SimFile.of("model/weights.bin", 2_000_000), SimFile.of(FILE, 4_000)));
        Path trace = dir.resolve("sshd-trace.txt");
        try (OpenSshServer sshd = OpenSshServer.start(Files.createDirectories(dir.resolve("openssh")), trace)) {
            Path output = sshd.root().resolve("incoming");
            Path older = Delivered.jobDir(NAME, output, job).resolve(FILE);
            Files.createDirectories(older.getParent());
            Files.writeString(older, "an older, shorter version");
            Map<String, String> settings = SftpPipelineTest.settings(simulator, dir, job.id(), sshd.port(),
                    sshd.user(), "", sshd.privateKey().toString(), sshd.knownHosts());
            settings.put("sftp.file-exist", fileExist);
            try (RunningHarvester harvester = RunningHarvester.start(settings)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
            }
            Delivered.assertComplete(NAME, output, job, "completed");
        }
        return SyscallTrace.read(trace);
    }

    @Test
    void anOlderCopyIsReplacedByOneRenameAndNeverUnlinked() throws Exception {
        SyscallTrace server = harvestOverAnOlderCopy("TryRename");
        assertThat(server.all(named("rename", "renameat", "renameat2").and(c -> c.strings().size() == 2
                && c.strings().get(0).endsWith("/metrics/.inprogress-eval.json")
                && c.strings().get(1).endsWith("/" + FILE)))).as("the rename over the older copy").hasSize(1);
        assertThat(server.all(named("unlink", "unlinkat").and(c -> c.strings().stream().anyMatch(
                s -> s.endsWith("/" + FILE))))).as("unlinks of the final name").isEmpty();
    }

    /** What makes the test above able to fail: with Override, Camel unlinks the older copy before the rename. */
    @Test
    void overrideUnlinksTheOlderCopyFirst() throws Exception {
        SyscallTrace server = harvestOverAnOlderCopy("Override");
        assertThat(server.all(named("unlink", "unlinkat").and(c -> c.strings().stream().anyMatch(
                s -> s.endsWith("/" + FILE))))).as("unlinks of the final name").hasSize(1);
    }

    /**
     * A server frozen in the middle of an upload (SIGSTOP, as a hung host or a full queue would): the delivery fails
     * within the read timeout, the sink cools down, the log and readiness say so once, the pipeline goes on polling
     * (a job dropped in the inbox is taken meanwhile), and once the server thaws every file arrives whole.
     */
    @Test
    void aServerFrozenMidUploadIsNoticedWithinItsBoundsAndEveryFileArrivesOnceItThaws() throws Exception {
        SimFile big = SimFile.of("model/weights.bin", 6_000_000).throttle(1_500_000);
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-frozen", JobScript.always("completed"), big,
                SimFile.of(FILE, 4_000)));
        SimJob late = simulator.addJob(NAME, SimJob.of("tp-late", JobScript.always("completed"),
                SimFile.of("late.txt", 5_000)));
        try (OpenSshServer sshd = OpenSshServer.start(Files.createDirectories(dir.resolve("openssh")), null);
                CapturedLog log = CapturedLog.attach()) {
            Path output = sshd.root().resolve("incoming");
            Path inbox = Files.createDirectories(dir.resolve("inbox"));
            Map<String, String> settings = SftpPipelineTest.settings(simulator, dir, job.id(), sshd.port(),
                    sshd.user(), "", sshd.privateKey().toString(), sshd.knownHosts());
            settings.put("tensorpool.inbox", inbox.toString());
            settings.put("sftp.connect-timeout", "3000");
            settings.put("sftp.keepalive-interval", "1000");
            try (RunningHarvester harvester = RunningHarvester.start(settings)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> big.bytesServed() > 1_500_000);
                sshd.freeze();
                await().atMost(Duration.ofSeconds(30)).until(() -> log.lines().stream()
                        .anyMatch(line -> line.contains("tensorpool-to-sftp: the sink fails as a whole")));
                assertThat(harvester.readiness().body()).contains("fails as a whole");
                Files.writeString(inbox.resolve("late.txt"), late.id() + "\n");
                await().atMost(Duration.ofSeconds(30)).until(() -> log.lines().stream()
                        .anyMatch(line -> line.contains(late.id() + " found")));
                sshd.thaw();
                await().atMost(Duration.ofSeconds(90)).until(() -> Delivered.manifestPresent(NAME, output, job)
                        && Delivered.manifestPresent(NAME, output, late));
                assertThat(log.lines().stream().filter(line -> line.contains("fails as a whole")))
                        .as("lines about the frozen server").hasSize(1);
                assertThat(log.lines()).as("failures counted against a file").noneMatch(line -> line.contains("not delivered, attempt"));
                assertThat(log.lines()).anyMatch(line -> line.contains("the sink takes deliveries again"));
            }
            Delivered.assertComplete(NAME, output, job, "completed");
            Delivered.assertComplete(NAME, output, late, "completed");
        }
    }

    /** SIGTERM while the server is frozen mid-upload: the daemon ends within its shutdown timeout, not minutes later. */
    @Test
    void aDaemonStoppedWhileTheServerIsFrozenEndsWithinItsShutdownTimeout() throws Exception {
        SimFile big = SimFile.of("model/weights.bin", 6_000_000).throttle(1_500_000);
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-frozen-stop", JobScript.always("completed"), big));
        try (OpenSshServer sshd = OpenSshServer.start(Files.createDirectories(dir.resolve("openssh")), null)) {
            Map<String, String> environment = DaemonProcess.tensorPoolEnvironment(simulator, dir, job.id());
            environment.putAll(Map.of("TENSORPOOL_TO_DIRECTORY_ENABLED", "false", "TENSORPOOL_TO_SFTP_ENABLED", "true",
                    "SFTP_HOST", "127.0.0.1", "SFTP_PORT", String.valueOf(sshd.port()), "SFTP_USERNAME", sshd.user(),
                    "SFTP_PRIVATE_KEY_FILE", sshd.privateKey().toString(),
                    "SFTP_KNOWN_HOSTS_FILE", sshd.knownHosts().toString(), "SFTP_DIRECTORY", "incoming",
                    "HARVESTER_SHUTDOWN_TIMEOUT", String.valueOf(SHUTDOWN_TIMEOUT.toSeconds())));
            try (DaemonProcess daemon = DaemonProcess.start(dir, "-Xmx256m", environment)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> big.bytesServed() > 1_500_000);
                sshd.freeze();
                // The stop is bounded by the shutdown timeout and the forced stop's allowance, not by the sink's
                // timeouts (20 s here; 5 minutes of camel-ftp's, before): a stuck upload holds the connection's lock.
                daemon.terminate(SHUTDOWN_TIMEOUT.plus(Daemon.STOP_ALLOWANCE).plus(Duration.ofSeconds(3)));
            }
        }
    }
}

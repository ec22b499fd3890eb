package dev.jobharvester.app;

import dev.jobharvester.testing.CapturedLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SftpException;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.RequestLog;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import dev.jobharvester.sink.SftpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** routes/tensorpool-to-sftp.yaml onto a real SFTP server (Apache MINA SSHD, host key checked). */
class SftpPipelineTest {

    private static final int LANES = 4;
    private static final String NAME = TensorPoolApi.NAME;

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();
    private SftpServer sftp;
    private SimJob job;

    @BeforeEach
    void start() throws Exception {
        sftp = SftpServer.start(Files.createDirectories(dir.resolve("sftp")));
        job = simulator.addJob(NAME, SimJob.of("tp-sftp", JobScript.start("running", 1).thenStays("completed"),
                SimFile.of("model/weights.bin", 3_000_000), SimFile.of("metrics/eval.json", 4_000),
                SimFile.of("logs/train.log", 200_000)));
    }

    @AfterEach
    void stop() throws Exception {
        sftp.close();
    }

    private Map<String, String> settings(String password, String privateKey) {
        return settings(simulator, dir, job.id(), sftp.port(), SftpServer.USER, password, privateKey, sftp.knownHosts());
    }

    /** The SFTP pipeline switched on (the directory one off) for a server on 127.0.0.1, into its folder incoming. */
    static Map<String, String> settings(Simulator simulator, Path dir, String jobIds, int port, String user,
            String password, String privateKey, Path knownHosts) {
        Map<String, String> settings = RunningHarvester.settings(simulator, dir, jobIds);
        settings.put("routes.tensorpool-to-directory.enabled", "false");
        settings.put("routes.tensorpool-to-sftp.enabled", "true");
        settings.put("sftp.host", "127.0.0.1");
        settings.put("sftp.port", String.valueOf(port));
        settings.put("sftp.directory", "incoming");
        settings.put("sftp.username", user);
        settings.put("sftp.password", password);
        settings.put("sftp.private-key-file", privateKey);
        settings.put("sftp.known-hosts-file", knownHosts.toString());
        return settings;
    }

    private Path output() {
        return sftp.root().resolve("incoming");
    }

    private void assertNoTempFiles() throws Exception {
        try (Stream<Path> files = Files.walk(sftp.root())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".inprogress-"));
        }
    }

    /** An older copy left by an earlier run, in the job's folder on the server. */
    private Path olderCopy(String path) throws Exception {
        Path older = Delivered.jobDir(NAME, output(), job).resolve(path);
        Files.createDirectories(older.getParent());
        return Files.writeString(older, "an older, shorter version");
    }

    @Test
    void aLargeFileStagedLocallyGoesOnAtEachAttemptFromTheBytesKeptAndNothingStagedIsLeft() throws Exception {
        // Every request breaks after 1.25 MB and no attempt resumes within itself: only what staging kept moves it on.
        SimFile big = job.file("model/weights.bin").abortAfter(1_250_000, 2);
        Map<String, String> settings = settings(SftpServer.PASSWORD, "");
        settings.put("harvester.stage-min-size", String.valueOf(1 << 20));
        settings.put("harvester.max-resumes", "0");
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output(), job));
        }
        Delivered.assertComplete(NAME, output(), job, "completed");
        assertThat(simulator.requests().matching(e -> e.host().equals("storage") && e.path().endsWith("/" + big.path())))
                .extracting(RequestLog.Entry::range).containsExactly(null, "bytes=1250000-", "bytes=2500000-");
        assertThat(big.bytesServed()).as("bytes served in all").isLessThanOrEqualTo(big.size() + 64 * 1024);
        try (Stream<Path> staged = Files.walk(dir.resolve("data").resolve("staging"))) {
            assertThat(staged.filter(Files::isRegularFile)).as("files left in staging").isEmpty();
        }
        assertNoTempFiles();
    }

    @Test
    void passwordLoginDeliversEveryFileAndReplacesAnOlderCopyInOneStepNeverRemovingIt() throws Exception {
        olderCopy("metrics/eval.json");
        try (RunningHarvester harvester = RunningHarvester.start(settings(SftpServer.PASSWORD, ""))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output(), job));
        }
        Delivered.assertComplete(NAME, output(), job, "completed");
        Delivered.assertEachDownloadedOnce(simulator, NAME, job);
        assertThat(sftp.removed()).as("files removed on the server").noneMatch(p -> p.endsWith("/metrics/eval.json"));
        assertNoTempFiles();
    }

    @Test
    void onAServerWithoutPosixRenameOverrideReplacesAnOlderCopyJustBeforeTheRename() throws Exception {
        sftp.close();
        sftp = SftpServer.withoutAtomicReplace(Files.createDirectories(dir.resolve("sftp-plain")));
        olderCopy("metrics/eval.json");
        Map<String, String> settings = settings(SftpServer.PASSWORD, "");
        settings.put("sftp.file-exist", "Override");
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output(), job));
        }
        Delivered.assertComplete(NAME, output(), job, "completed");
        assertThat(sftp.removed()).as("the older copy, removed once its replacement was whole")
                .filteredOn(p -> p.endsWith("/metrics/eval.json")).hasSize(1);
        assertNoTempFiles();
    }

    /** What makes the test above worth having: such a server, like OpenSSH without posix-rename, refuses the rename. */
    @Test
    void aServerWithoutPosixRenameRefusesToRenameOntoAnExistingFile() throws Exception {
        sftp.close();
        sftp = SftpServer.withoutAtomicReplace(Files.createDirectories(dir.resolve("sftp-plain")));
        JSch jsch = new JSch();
        jsch.setKnownHosts(sftp.knownHosts().toString());
        Session session = jsch.getSession(SftpServer.USER, "127.0.0.1", sftp.port());
        session.setPassword(SftpServer.PASSWORD);
        session.connect(10_000);
        try {
            ChannelSftp channel = (ChannelSftp) session.openChannel("sftp");
            channel.connect(10_000);
            channel.put(new java.io.ByteArrayInputStream(new byte[] {1}), "old.bin");
            channel.put(new java.io.ByteArrayInputStream(new byte[] {2}), "new.bin");
            assertThatThrownBy(() -> channel.rename("new.bin", "old.bin")).isInstanceOf(SftpException.class);
            channel.disconnect();
        } finally {
            session.disconnect();
        }
    }

    @Test
    void privateKeyLoginDelivers() throws Exception {
        try (RunningHarvester harvester = RunningHarvester.start(settings("", sftp.privateKey().toString()))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output(), job));
        }
        Delivered.assertComplete(NAME, output(), job, "completed");
    }

    /**
     * A wrong password is one try per connection and one connection per round, told once; the rounds come at a growing
     * interval. Without those bounds JSch offered it 6 times per connection and camel-ftp connected 3 times per file:
     * 144 failed logins for an 8-file job, at every poll.
     */
    @Test
    void aWrongPasswordIsTriedOncePerRoundAtGrowingIntervalsToldOnceAndLosesNothing() throws Exception {
        Map<String, String> wrong = settings("wrong-password-x", "");
        wrong.put("harvester.concurrent-downloads", String.valueOf(LANES));
        try (CapturedLog log = CapturedLog.attach(); RunningHarvester harvester = RunningHarvester.start(wrong)) {
            // Three rounds: the first, then one after each of the first two cool-downs (2 s, then 4 s).
            await().atMost(Duration.ofSeconds(60)).until(() -> rounds(sftp.passwordTries().stream()
                    .map(SftpServer.PasswordTry::at).toList()) >= 3);
            List<Instant> tries = sftp.passwordTries().stream().map(SftpServer.PasswordTry::at).toList();
            assertThat(tries.size()).as("password tries in three rounds").isLessThanOrEqualTo(LANES + 2);
            assertThat(sftp.passwordTries().stream().map(SftpServer.PasswordTry::connection)).as("tries per connection")
                    .doesNotHaveDuplicates();
            assertThat(Duration.between(tries.get(0), tries.get(tries.size() - 1)))
                    .as("from the first try to the third round").isGreaterThanOrEqualTo(Duration.ofSeconds(5));
            assertThat(log.lines().stream().filter(l -> l.contains("Auth fail"))).as("lines about the login")
                    .singleElement().asString().contains("tensorpool-to-sftp: the sink fails as a whole");
            assertThat(harvester.readiness().body()).contains("fails as a whole").contains("Auth fail");
            assertThat(log.lines()).noneMatch(l -> l.contains("wrong-password-x"));
        }
        assertThat(Delivered.jobDir(NAME, output(), job)).doesNotExist();
        try (RunningHarvester harvester = RunningHarvester.start(settings(SftpServer.PASSWORD, ""))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output(), job));
        }
        Delivered.assertComplete(NAME, output(), job, "completed");
    }

    /** Tries at least a second apart start a new round (the lanes of the first round try side by side). */
    private static int rounds(List<Instant> tries) {
        int rounds = tries.isEmpty() ? 0 : 1;
        for (int i = 1; i < tries.size(); i++) {
            if (Duration.between(tries.get(i - 1), tries.get(i)).compareTo(Duration.ofSeconds(1)) >= 0) {
                rounds++;
            }
        }
        return rounds;
    }

    @Test
    void aServerWhoseHostKeyIsNotKnownIsRefused() throws Exception {
        Map<String, String> settings = settings(SftpServer.PASSWORD, "");
        settings.put("sftp.known-hosts-file", Files.writeString(dir.resolve("empty_known_hosts"), "").toString());
        try (CapturedLog log = CapturedLog.attach(); RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> log.lines().stream().anyMatch(l ->
                    l.contains("tensorpool-to-sftp: the sink fails as a whole") && l.contains("HostKey")));
        }
        assertThat(Delivered.jobDir(NAME, output(), job)).doesNotExist();
        assertThat(sftp.passwordTries()).as("passwords offered to a server not known").isEmpty();
    }

    @Test
    void anUploadThatBreaksLeavesNothingUnderTheFinalNameAndIsDeliveredWholeLater() throws Exception {
        SimFile weights = job.file("model/weights.bin");
        weights.abortAfter(1_500_000, 2);
        Map<String, String> settings = settings(SftpServer.PASSWORD, "");
        // Downloads that break and cannot resume, so the upload itself breaks.
        settings.put("harvester.max-resumes", "0");
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output(), job));
        }
        Delivered.assertComplete(NAME, output(), job, "completed");
        assertThat(simulator.downloads(NAME, job.id(), weights.path())).isEqualTo(3);
        assertNoTempFiles();
    }

    @Test
    void anOlderCopySurvivesWhileItsReplacementKeepsFailing() throws Exception {
        Path older = Delivered.jobDir(NAME, output(), job).resolve("model/weights.bin");
        Files.createDirectories(older.getParent());
        Files.writeString(older, "the copy from an earlier run");
        SimFile weights = job.file("model/weights.bin");
        weights.abortAfter(1_000_000, Integer.MAX_VALUE);
        Map<String, String> settings = settings(SftpServer.PASSWORD, "");
        settings.put("harvester.max-resumes", "0");
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> simulator.downloads(NAME, job.id(), weights.path()) >= 3);
            assertThat(older).hasContent("the copy from an earlier run");
            weights.abortAfter(-1, 0);
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output(), job));
        }
        Delivered.assertComplete(NAME, output(), job, "completed");
    }
}

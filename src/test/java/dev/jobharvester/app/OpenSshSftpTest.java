package dev.jobharvester.app;

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
}

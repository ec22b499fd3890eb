package dev.jobharvester.app;

import static dev.jobharvester.app.SyscallTrace.named;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jobharvester.app.SyscallTrace.Call;
import dev.jobharvester.machine.Machine;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What survives a power cut depends on the order of the calls that make bytes durable. A real {@code harvest} run in
 * its own JVM, traced by strace, must show for every delivered file: its data synced under the temp name (an
 * fdatasync of the file, or a syncfs of the sink's file system begun after the file's last write, through a descriptor
 * opened before the file was, since only then is a failed writeback of its pages reported), then the rename,
 * then its folder synced, then the ledger's record written; the ledger synced before the manifest is built from it;
 * and the manifest synced, renamed, its folder synced, before the job's completion is written and synced.
 */
class DurabilityOrderTest {

    private static final String NAME = TensorPoolApi.NAME;
    private static final String ROUTE = "tensorpool-to-directory";

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    @Test
    void everyFileIsDurableBeforeItsRecordAndTheRecordsBeforeTheManifest() throws Exception {
        requireStrace();
        List<SimFile> files = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            files.add(SimFile.of("out/part-" + i + ".bin", 50_000 + i * 7_000));
        }
        files.add(SimFile.of("new/deeper/last.txt", 3_000));
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-order", JobScript.always("completed"), files));
        Map<String, String> environment = DaemonProcess.tensorPoolEnvironment(simulator, dir, "");
        environment.put("HARVESTER_CONCURRENT_DOWNLOADS", "4");
        Path trace = dir.resolve("strace.txt");
        List<String> command = new ArrayList<>(List.of("strace", "-f", "-qq", "-y", "-s", "512", "-o", trace.toString(),
                "-e", "trace=openat,write,pwrite64,fsync,fdatasync,syncfs,rename,renameat,renameat2"));
        command.addAll(DaemonProcess.command(List.of("-Xmx256m"), "harvest", "--route", ROUTE, "--jobs", job.id()));
        try (DaemonProcess harvest = DaemonProcess.startCommand(dir, command, environment)) {
            assertThat(harvest.waitFor(Duration.ofSeconds(120))).as("exit code of harvest (see daemon.log)").isZero();
        }
        Delivered.assertComplete(NAME, RunningHarvester.output(dir), job, "completed");

        SyscallTrace calls = SyscallTrace.read(trace);
        Path jobDir = Delivered.jobDir(NAME, RunningHarvester.output(dir), job).toAbsolutePath();
        Path ledger = dir.resolve("data/ledger/" + ROUTE + ".jsonl").toAbsolutePath();
        int lastRecord = -1;
        for (SimFile file : files) {
            Call record = first(calls, named("write").and(c -> c.on(ledger.toString())
                    && c.strings().get(0).contains("\"op\":\"file\"")
                    && c.strings().get(0).contains("\"path\":\"" + file.path() + "\"")), "the record of " + file.path());
            deliveredDurably(calls, jobDir.resolve(file.path()), record.began());
            lastRecord = Math.max(lastRecord, record.began());
        }

        Call spooled = first(calls, named("write").and(c -> c.fdPath() != null && c.fdPath().contains("/spool/manifest-")),
                "the manifest's spool file");
        int recordsSynced = lastRecord;
        assertThat(calls.all(named("fdatasync", "fsync").and(c -> c.on(ledger.toString())
                && c.began() > recordsSynced && c.returned() < spooled.began())))
                .as("an fdatasync of the ledger after the last file's record, before the manifest is built").isNotEmpty();

        Call completion = first(calls, named("write").and(c -> c.on(ledger.toString())
                && c.strings().get(0).contains("\"op\":\"complete\"")), "the job's completion");
        deliveredDurably(calls, jobDir.resolve("_manifest.json"), completion.began());
        assertThat(calls.all(named("fdatasync", "fsync").and(c -> c.on(ledger.toString())
                && c.began() > completion.returned()))).as("an fdatasync of the ledger after the completion")
                .isNotEmpty();
    }

    /**
     * The file's bytes synced under its temp name, then renamed, then its folder synced, and every folder above it up
     * to the sink's own, all returned before {@code recordedAt}, where its ledger record's write began.
     */
    private static void deliveredDurably(SyscallTrace calls, Path file, int recordedAt) {
        Path temp = file.resolveSibling(".inprogress-" + file.getFileName());
        Call rename = first(calls, SyscallTrace.rename(temp, file), "the rename of " + file);
        Path root = file.getParent();
        while (!root.getFileName().toString().equals(NAME)) {
            root = root.getParent();
        }
        root = root.getParent();
        Path sink = root;
        Call dataSynced = last(calls, named("fdatasync", "fsync").and(c -> c.on(temp.toString()))
                .or(named("syncfs").and(c -> c.fdPath() != null && Path.of(c.fdPath()).startsWith(sink)))
                .and(c -> c.returned() < rename.began()), "a sync of " + temp + "'s data before its rename");
        assertThat(calls.all(named("write", "pwrite64").and(c -> c.on(temp.toString())
                && c.began() > dataSynced.began()))).as("writes to " + temp + " after its sync began").isEmpty();
        if (dataSynced.name().equals("syncfs")) {
            Call created = first(calls, named("openat").and(c -> c.strings().contains(temp.toString())),
                    "the creation of " + temp);
            Call opened = last(calls, named("openat").and(c -> c.result() == dataSynced.fd()
                    && c.returned() < dataSynced.began()), "the opening of the syncfs's descriptor");
            assertThat(opened.strings()).as("what the syncfs's descriptor is").contains(sink.toString());
            assertThat(opened.returned()).as("the syncfs's descriptor opened before " + temp + " was created")
                    .isLessThan(created.began());
        }
        for (Path folder = file.getParent(); folder.startsWith(root); folder = folder.getParent()) {
            Path current = folder;
            first(calls, named("fsync", "fdatasync").and(c -> c.on(current.toString()) && c.returned() < recordedAt
                    && (current.equals(file.getParent()) ? c.began() > rename.returned() : true)),
                    "an fsync of " + current + (current.equals(file.getParent()) ? " after the rename of " + file : "")
                            + " before the record");
        }
        assertThat(rename.returned()).as("the rename of %s before its record", file).isLessThan(recordedAt);
    }

    private static Call first(SyscallTrace calls, Predicate<Call> filter, String what) {
        List<Call> found = calls.all(filter);
        assertThat(found).as(what).isNotEmpty();
        return found.get(0);
    }

    private static Call last(SyscallTrace calls, Predicate<Call> filter, String what) {
        List<Call> found = calls.all(filter);
        assertThat(found).as(what).isNotEmpty();
        return found.get(found.size() - 1);
    }

    private static void requireStrace() throws InterruptedException {
        Machine.require(Machine.run("strace", "-V") == 0, "strace is needed to record the order of file-system calls"
                + " (Debian: apt-get install strace)");
    }
}

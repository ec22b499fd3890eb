package dev.jobharvester.app;

import dev.jobharvester.testing.CapturedLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.component.JobOutputsConsumer;
import dev.jobharvester.durability.SmallFileSystem;
import dev.jobharvester.ledger.FileLedger;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data directory on a real, small file system that fills up while a job is harvested: the ledger cannot be
 * written. The pipeline must stop taking files, say why in readiness and once per poll in the log, fetch nothing again
 * and again (the files in flight when it filled are fetched once more afterwards, nothing else), tear no record, and go
 * on by itself once there is room.
 */
class FullDiskTest {

    private static final String NAME = TensorPoolApi.NAME;
    private static final String ROUTE = "tensorpool-to-directory";
    private static final int CONCURRENCY = 4;

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    @Test
    void aFullLedgerDiskStopsNewFilesShowsInReadinessAndTheJobEndsOnceThereIsRoom() throws Exception {
        List<SimFile> files = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            files.add(SimFile.of("f/file-" + i + ".txt", 2_000 + i));
        }
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-full", JobScript.always("completed"), files));
        Path output = RunningHarvester.output(dir);
        try (SmallFileSystem disk = SmallFileSystem.mount(dir.resolve("datadisk"), "256k");
                CapturedLog log = CapturedLog.attach()) {
            Map<String, String> settings = RunningHarvester.settings(simulator, dir);
            settings.put("harvester.data-dir", disk.root().resolve("data").toString());
            settings.put("harvester.concurrent-downloads", String.valueOf(CONCURRENCY));
            Path ledger = disk.root().resolve("data/ledger/" + ROUTE + ".jsonl");
            try (RunningHarvester harvester = RunningHarvester.start(settings)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(ledger));
                Path filler = disk.fill();
                JobOutputsConsumer consumer = (JobOutputsConsumer) harvester.context().getRoute(ROUTE).getConsumer();
                consumer.addJob(job.id());

                await().atMost(Duration.ofSeconds(30)).until(() -> stopLines(log) >= 10);
                HttpResponse<String> ready = harvester.readiness();
                assertThat(ready.statusCode()).as("readiness while the ledger cannot be written").isEqualTo(503);
                assertThat(ready.body()).contains("job-outputs-" + ROUTE).contains(ROUTE + ".jsonl")
                        .contains("No space left");
                // The files in flight when the disk filled are fetched once; then nothing more, poll after poll.
                long whileFull = totalDownloads(job, files);
                long polls = stopLines(log);
                await().atMost(Duration.ofSeconds(30)).until(() -> stopLines(log) >= polls + 10);
                assertThat(totalDownloads(job, files)).as("files fetched during ten more polls of a full disk")
                        .isEqualTo(whileFull);
                for (SimFile file : files) {
                    assertThat(simulator.downloads(NAME, job.id(), file.path())).as(file.path()).isLessThanOrEqualTo(1);
                }
                assertThat(Delivered.manifestPresent(NAME, output, job)).isFalse();

                Files.delete(filler);
                await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
                await().atMost(Duration.ofSeconds(10)).until(() -> harvester.readiness().statusCode() == 200);
            }
            assertThat(log.lines()).as("stack traces in the log").noneMatch(line -> line.contains("\tat "));
            assertThat(log.lines().stream().filter(line -> line.contains("No space left")).count())
                    .as("lines about the full disk").isLessThanOrEqualTo(stopLines(log) + 2);
            FileLedger written = FileLedger.read(ledger);
            assertThat(written.isJobComplete(dev.jobharvester.common.SinkNames.jobKey(NAME, job.id()))).isTrue();
            assertThat(log.lines()).as("a torn record").noneMatch(line -> line.contains("unfinished"));
        }
        Delivered.assertComplete(NAME, output, job, "completed");
        for (SimFile file : files) {
            assertThat(simulator.downloads(NAME, job.id(), file.path())).as(file.path()).isBetween(1L, 2L);
        }
    }

    /** The log's lines saying the pipeline takes no new files: one per poll while the ledger cannot be written. */
    private static long stopLines(CapturedLog log) {
        return log.lines().stream().filter(line -> line.contains("no new files are taken")).count();
    }

    private long totalDownloads(SimJob job, List<SimFile> files) {
        return files.stream().mapToLong(f -> simulator.downloads(NAME, job.id(), f.path())).sum();
    }
}

package dev.jobharvester.app;

import dev.jobharvester.testing.CapturedLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.component.JobOutputsConsumer;
import dev.jobharvester.component.JobPhase;
import dev.jobharvester.durability.SmallFileSystem;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory sink failing for one file, and failing as a whole: one file's failure ends in parking with its reason
 * and the job stops being listed; a full sink disk pauses deliveries, parks nothing, shows in readiness and the log
 * once, and the job ends once there is room.
 */
class SinkFailuresTest {

    private static final String NAME = TensorPoolApi.NAME;
    private static final String ROUTE = "tensorpool-to-directory";

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    /** Status requests of a job: one per poll while it runs (with maxCheckInterval at the poll delay): they count polls. */
    private long statusRequests(String jobId) {
        return simulator.requests().matching(e -> e.path().endsWith("/job/info/" + jobId)).size();
    }

    private long listings(String jobId) {
        return simulator.requests().matching(e -> e.path().endsWith("/job/pull/" + jobId)).size();
    }

    @Test
    void aFileTheSinkRefusesIsParkedWithItsReasonAndTheJobIsNotListedAgainAtEveryPoll() throws Exception {
        SimFile blocked = SimFile.of("sub/blocked.txt", 3_000);
        List<SimFile> others = List.of(SimFile.of("a.txt", 1_000), SimFile.of("sub/c.txt", 2_000));
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-refused", JobScript.always("completed"),
                List.of(others.get(0), blocked, others.get(1))));
        SimJob clock = simulator.addJob(NAME, SimJob.of("tp-clock", JobScript.always("running")));
        Path output = RunningHarvester.output(dir);
        // Somebody's folder, with a file in it, where the file must go: the rename onto it fails, for this file only.
        Path folder = Delivered.jobDir(NAME, output, job).resolve(blocked.path());
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("keep.txt"), "not ours");
        Map<String, String> settings = RunningHarvester.settings(simulator, dir, job.id() + "," + clock.id());
        settings.put("harvester.max-file-attempts", "3");
        // The clock job is asked at every poll: no backoff while its state stays.
        settings.put("harvester.max-check-interval", "100");
        try (CapturedLog log = CapturedLog.attach(); RunningHarvester harvester = RunningHarvester.start(settings)) {
            JobOutputsConsumer consumer = (JobOutputsConsumer) harvester.context().getRoute(ROUTE).getConsumer();
            await().atMost(Duration.ofSeconds(60)).until(() -> consumer.jobPhase(job.id()) == JobPhase.PARKED);
            assertThat(consumer.getParkedFiles()).singleElement().asString().contains(blocked.path())
                    .contains("the sink refused it");
            long listed = listings(job.id());
            long polls = statusRequests(clock.id());
            await().atMost(Duration.ofSeconds(30)).until(() -> statusRequests(clock.id()) >= polls + 10);
            assertThat(listings(job.id())).as("listings of a job waiting only on a parked file, over ten polls")
                    .isEqualTo(listed);
            assertThat(simulator.downloads(NAME, job.id(), blocked.path())).as("attempts").isEqualTo(3);
            assertThat(harvester.readiness().statusCode()).as("readiness: the sink works").isEqualTo(200);
            assertThat(log.lines()).as("a sink outage").noneMatch(line -> line.contains("fails as a whole"));
        }
        for (SimFile file : others) {
            assertThat(Digests.sha256(Delivered.jobDir(NAME, output, job).resolve(file.path())))
                    .isEqualTo(file.sha256());
        }
        assertThat(folder.resolve("keep.txt")).hasContent("not ours");
        assertThat(Delivered.manifestPresent(NAME, output, job)).isFalse();
    }

    @Test
    void aFullSinkDiskPausesDeliveriesParksNothingShowsOnceAndTheJobEndsOnceThereIsRoom() throws Exception {
        List<SimFile> files = List.of(SimFile.of("small.txt", 2_000), SimFile.of("big.bin", 600_000),
                SimFile.of("other.txt", 3_000));
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-sink-full", JobScript.always("completed"), files));
        try (SmallFileSystem disk = SmallFileSystem.mount(dir.resolve("sinkdisk"), "512k");
                CapturedLog log = CapturedLog.attach()) {
            Path output = disk.root().resolve("files");
            Map<String, String> settings = RunningHarvester.settings(simulator, dir, job.id());
            settings.put("harvester.output-dir", output.toString());
            settings.put("harvester.max-file-attempts", "2");
            try (RunningHarvester harvester = RunningHarvester.start(settings)) {
                JobOutputsConsumer consumer = (JobOutputsConsumer) harvester.context().getRoute(ROUTE).getConsumer();
                await().atMost(Duration.ofSeconds(30)).until(() -> log.lines().stream()
                        .anyMatch(line -> line.contains("fails as a whole") && line.contains("No space left")));
                HttpResponse<String> ready = harvester.readiness();
                assertThat(ready.statusCode()).as("readiness while the sink is full").isEqualTo(503);
                assertThat(ready.body()).contains("fails as a whole").contains("No space left");
                // More tries than max-file-attempts, none of them counted against the file.
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> simulator.downloads(NAME, job.id(), "big.bin") >= 4);
                assertThat(consumer.getParkedFiles()).as("parked while the sink is full").isEmpty();
                // Told once when it opens and once when it closes, not once a try: a small file that failed beside
                // big.bin (which filled the disk before its temp file went) fits when tried again, and closes it.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(count(log, "No space left"))
                        .as("lines about the full disk: one when it opens, one more after each time it closed")
                        .isEqualTo(count(log, "the sink takes deliveries again") + 1));
                assertThat(count(log, "No space left")).as("lines about the full disk, after %s tries of big.bin",
                        simulator.downloads(NAME, job.id(), "big.bin")).isLessThanOrEqualTo(3);

                disk.grow("2m");
                await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
                await().atMost(Duration.ofSeconds(10)).until(() -> harvester.readiness().statusCode() == 200);
                assertThat(log.lines()).anyMatch(line -> line.contains("the sink takes deliveries again"));
            }
            Delivered.assertComplete(NAME, output, job, "completed");
        }
    }

    private static long count(CapturedLog log, String words) {
        return log.lines().stream().filter(line -> line.contains(words)).count();
    }
}

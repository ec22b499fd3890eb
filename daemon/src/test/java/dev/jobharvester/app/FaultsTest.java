package dev.jobharvester.app;

import dev.jobharvester.testing.CapturedLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.component.JobOutputsConsumer;
import dev.jobharvester.component.JobPhase;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.RequestLog;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Faults injected by the simulator while the real pipeline harvests: nothing is lost, little is fetched twice. */
class FaultsTest {

    private static final String NAME = TensorPoolApi.NAME;
    private static final long ONE_BUFFER = 64 * 1024;

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    private void harvest(SimJob job, Map<String, String> changes) throws Exception {
        Map<String, String> settings = RunningHarvester.settings(simulator, dir, job.id());
        settings.putAll(changes);
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
        }
        Delivered.assertComplete(NAME, output, job, "completed");
    }

    private List<RequestLog.Entry> requestsFor(SimJob job, SimFile file) {
        return simulator.requests().matching(e -> e.host().equals("storage")
                && e.path().endsWith("/" + job.id() + "/" + file.path()));
    }

    @Test
    void aResetMidBodyResumesWithARangeFromTheByteReached() throws Exception {
        SimFile big = SimFile.of("model/weights.bin", 3_000_000).abortAfter(1_000_000, 1);
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-reset", JobScript.always("completed"), big,
                SimFile.of("log.txt", 5_000)));
        harvest(job, Map.of());
        List<RequestLog.Entry> requests = requestsFor(job, big);
        assertThat(requests).extracting(RequestLog.Entry::status).containsExactly(200, 206);
        assertThat(requests.get(1).range()).isEqualTo("bytes=1000000-");
        assertThat(big.bytesServed()).as("bytes served in all").isLessThanOrEqualTo(big.size() + ONE_BUFFER);
    }

    @Test
    void aTransferThatBreaksAtEveryAttemptGoesOnFromTheBytesTheSinkKept() throws Exception {
        // Every request breaks after 1.5 MB and no attempt resumes within itself: only what the sink kept moves it on.
        SimFile big = SimFile.of("model/weights.bin", 6_000_000).abortAfter(1_500_000, 3);
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-kept", JobScript.always("completed"), big));
        harvest(job, Map.of("harvester.max-resumes", "0", "harvester.max-file-attempts", "5"));
        List<RequestLog.Entry> requests = requestsFor(job, big);
        assertThat(requests).extracting(RequestLog.Entry::status).containsExactly(200, 206, 206, 206);
        assertThat(requests).extracting(RequestLog.Entry::range)
                .containsExactly(null, "bytes=1500000-", "bytes=3000000-", "bytes=4500000-");
        assertThat(requests.get(1).rawRequest()).as("the kept bytes are asked to be of the same file")
                .contains("If-range: [" + big.content().etag() + "]");
        assertThat(big.bytesServed()).as("bytes served in all").isLessThanOrEqualTo(big.size() + ONE_BUFFER);
    }

    @Test
    @SuppressWarnings("unchecked")
    void bytesKeptOfAFileThatChangedAtStorageSinceAreDroppedAndTheNewFileFetchedWhole() throws Exception {
        SimFile big = SimFile.of("data.bin", 3_000_000).abortAfter(2_000_000, 1);
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-changed", JobScript.always("completed"), big));
        Map<String, String> settings = RunningHarvester.settings(simulator, dir, job.id());
        settings.put("harvester.max-resumes", "0");
        settings.put("harvester.max-file-attempts", "1");
        Path output = RunningHarvester.output(dir);
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            ObjectName consumer = consumer(jmx);
            await().atMost(Duration.ofSeconds(60)).until(() -> !((List<String>) jmx.getAttribute(consumer,
                    "ParkedFiles")).isEmpty());
            big.rewrite(99);
            jmx.invoke(consumer, "retryParkedFiles", new Object[0], new String[0]);
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
        }
        Delivered.assertComplete(NAME, output, job, "completed");
        List<RequestLog.Entry> requests = requestsFor(job, big);
        assertThat(requests).extracting(RequestLog.Entry::status).containsExactly(200, 200);
        assertThat(requests.get(1).range()).as("the kept bytes offered").isEqualTo("bytes=2000000-");
    }

    @Test
    void aServerThatIgnoresRangeIsReadPastTheBytesAlreadyPassedOn() throws Exception {
        SimFile big = SimFile.of("data.bin", 2_000_000).abortAfter(700_000, 1).ignoreRange();
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-norange", JobScript.always("completed"), big));
        harvest(job, Map.of());
        assertThat(requestsFor(job, big)).extracting(RequestLog.Entry::status).containsExactly(200, 200);
    }

    @Test
    void aUrlThatExpiresMidDownloadIsListedAgainAndTheTransferResumes() throws Exception {
        // URLs signed with whole seconds live one to two seconds here; the break comes after 2.4 s, when it has expired.
        simulator.urlTtl(Duration.ofSeconds(1));
        SimFile slow = SimFile.of("slow.bin", 1_500_000).throttle(500_000).abortAfter(1_200_000, 1);
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-expiring", JobScript.always("completed"), slow));
        harvest(job, Map.of());
        assertThat(requestsFor(job, slow)).extracting(RequestLog.Entry::status).containsExactly(200, 403, 206);
        assertThat(simulator.requests().matching(e -> e.path().equals("/tensorpool/job/pull/" + job.id())))
                .as("the first listing and the one for a fresh URL").hasSize(2);
        assertThat(slow.bytesServed()).isLessThanOrEqualTo(slow.size() + ONE_BUFFER);
    }

    @Test
    void a429IsWaitedOutAsItsRetryAfterSaysAndA503IsRetried() throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-limited", JobScript.always("completed"),
                SimFile.of("a.bin", 10_000)));
        simulator.failNext("/tensorpool/job/info/" + job.id(), 1, 429, "2");
        simulator.failNext("/tensorpool/job/pull/" + job.id(), 2, 503, null);
        harvest(job, Map.of());
        List<RequestLog.Entry> info = simulator.requests().matching(e -> e.path().endsWith("/job/info/" + job.id()));
        assertThat(info).extracting(RequestLog.Entry::status).startsWith(429, 200);
        assertThat(Duration.between(info.get(0).at(), info.get(1).at())).as("the wait Retry-After asked for")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(simulator.requests().matching(e -> e.path().endsWith("/job/pull/" + job.id())))
                .extracting(RequestLog.Entry::status).startsWith(503, 503, 200);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aFileThatKeepsFailingIsParkedWhileTheRestIsDeliveredAndRetriedOnRequest() throws Exception {
        SimFile broken = SimFile.of("broken.bin", 500_000).abortAfter(100_000, Integer.MAX_VALUE);
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-parked", JobScript.always("completed"),
                SimFile.of("fine-1.txt", 2_000), broken, SimFile.of("fine-2.txt", 3_000)));
        Map<String, String> settings = RunningHarvester.settings(simulator, dir, job.id());
        settings.put("harvester.max-resumes", "1");
        settings.put("harvester.max-file-attempts", "3");
        Path output = RunningHarvester.output(dir);
        Path jobDir = Delivered.jobDir(NAME, output, job);
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            ObjectName consumer = consumer(jmx);
            await().atMost(Duration.ofSeconds(60)).until(() -> !((List<String>) jmx.getAttribute(consumer,
                    "ParkedFiles")).isEmpty());
            assertThat((List<String>) jmx.getAttribute(consumer, "ParkedFiles")).singleElement().asString()
                    .startsWith("tensorpool/tp-parked/broken.bin: ").contains("Premature end");
            assertThat(jobDir.resolve("fine-1.txt")).exists();
            assertThat(jobDir.resolve("fine-2.txt")).exists();
            assertThat(jobDir.resolve("_manifest.json")).as("a job with a parked file is not complete").doesNotExist();
            // Three attempts, each resumed once: then it stays parked.
            assertThat(simulator.downloads(NAME, job.id(), broken.path())).isEqualTo(6);

            broken.abortAfter(-1, 0);
            assertThat(jmx.invoke(consumer, "retryParkedFiles", new Object[0], new String[0])).isEqualTo(1);
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
        }
        Delivered.assertComplete(NAME, output, job, "completed");
    }

    private static ObjectName consumer(MBeanServer jmx) throws Exception {
        return HarvesterMBeans.consumer(jmx, "tensorpool-to-directory");
    }

    @Test
    void malformedAnswersAreNamedAndTheJobIsRetriedNotDropped() throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-malformed", JobScript.always("completed"),
                SimFile.of("a.bin", 1_000)));
        String info = "/tensorpool/job/info/" + job.id();
        simulator.answerNext(info, 2, "{\"message\": \"ok\", \"job_info\": {\"status\": \"compl");
        simulator.answerNext(info, 2, "{\"message\": \"ok\", \"job_info\": {\"exit_code\": 0}}");
        simulator.answerNext(info, 2, "{\"message\": \"ok\"}");
        try (CapturedLog log = CapturedLog.attach()) {
            // More bad answers than maxJobErrors (5): the job is still harvested once the platform makes sense.
            harvest(job, Map.of());
            assertThat(log.lines()).anyMatch(l -> l.contains("tensorpool job tp-malformed: GET /job/info/tp-malformed"
                    + " answered 200 with a body that is not JSON"));
            assertThat(log.lines()).anyMatch(l -> l.contains("tensorpool job tp-malformed: field 'status' is missing"));
            assertThat(log.lines()).anyMatch(l -> l.contains("tensorpool job tp-malformed: field 'job_info' is missing"));
        }
    }

    @Test
    void aTruncatedBodyIsFetchedAgainWhenResumingIsOff() throws Exception {
        SimFile file = SimFile.of("a.bin", 800_000).abortAfter(300_000, 1);
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-truncated", JobScript.always("completed"), file));
        harvest(job, Map.of("harvester.max-resumes", "0"));
        assertThat(requestsFor(job, file)).extracting(RequestLog.Entry::status).containsExactly(200, 200);
    }

    @Test
    void storageThatAsksToWaitIsWaitedOutAsItsRetryAfterSaysWithinTheSameAttempt() throws Exception {
        SimFile file = SimFile.of("busy.bin", 50_000).busy(2, "1");
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-busy", JobScript.always("completed"), file));
        // One attempt per file: the wait happens inside it, not at a later poll.
        harvest(job, Map.of("harvester.max-file-attempts", "1"));
        List<RequestLog.Entry> requests = requestsFor(job, file);
        assertThat(requests).extracting(RequestLog.Entry::status).containsExactly(503, 503, 200);
        for (int i = 1; i < requests.size(); i++) {
            assertThat(Duration.between(requests.get(i - 1).at(), requests.get(i).at()))
                    .as("the wait before request %d", i + 1).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        }
    }

    /**
     * Point 5 of issue 16: a job whose file trickles (storage serving it at 20 KB/s) holds back no other job of the
     * pipeline: one added while it is harvested is harvested, manifest and all, while the first still runs. (With
     * harvester.concurrent-jobs=1, the jobs one after another as before, it times out.)
     */
    @Test
    void aJobWhoseFileStallsHoldsBackNoOtherJob() throws Exception {
        SimFile trickle = SimFile.of("slow/weights.bin", 2_000_000).throttle(20_000);
        SimJob stalled = simulator.addJob(NAME, SimJob.of("tp-stalled", JobScript.always("completed"), trickle));
        SimJob other = simulator.addJob(NAME, SimJob.of("tp-other", JobScript.always("completed"),
                SimFile.of("a.txt", 10_000), SimFile.of("b/c.bin", 300_000)));
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(RunningHarvester.settings(simulator, dir,
                stalled.id()))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> trickle.bytesServed() > 0);
            JobOutputsConsumer consumer = (JobOutputsConsumer) harvester.context().getRoute("tensorpool-to-directory")
                    .getConsumer();
            consumer.addJob(other.id());
            await().atMost(Duration.ofSeconds(30)).until(() -> Delivered.manifestPresent(NAME, output, other));
            assertThat(Delivered.manifestPresent(NAME, output, stalled)).as("the stalled job, still harvested").isFalse();
            assertThat(consumer.jobPhase(stalled.id())).isEqualTo(JobPhase.HARVESTING);
        }
        Delivered.assertComplete(NAME, output, other, "completed");
    }
}

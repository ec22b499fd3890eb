package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.RequestLog;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Faults injected by the simulator while the real pipeline harvests: nothing is lost, little is fetched twice. */
class FaultsTest {

    private static final String NAME = TensorPoolApi.NAME;
    private static final long ONE_BUFFER = 64 * 1024;

    @TempDir
    Path dir;
    private Simulator simulator;

    @BeforeEach
    void start() throws Exception {
        simulator = Simulator.allPlatforms().start();
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

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
    void aServerThatIgnoresRangeIsReadPastTheBytesAlreadyPassedOn() throws Exception {
        SimFile big = SimFile.of("data.bin", 2_000_000).abortAfter(700_000, 1).ignoreRange();
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-norange", JobScript.always("completed"), big));
        harvest(job, Map.of());
        assertThat(requestsFor(job, big)).extracting(RequestLog.Entry::status).containsExactly(200, 200);
    }

    @Test
    void aUrlThatExpiresMidDownloadIsListedAgainAndTheTransferResumes() throws Exception {
        // Two-second URLs, a file that takes three seconds, a break after the URL has expired.
        simulator.urlTtl(Duration.ofSeconds(2));
        SimFile slow = SimFile.of("slow.bin", 1_500_000).throttle(500_000).abortAfter(1_300_000, 1);
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
    void aTruncatedBodyIsFetchedAgainWhenResumingIsOff() throws Exception {
        SimFile file = SimFile.of("a.bin", 800_000).abortAfter(300_000, 1);
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-truncated", JobScript.always("completed"), file));
        harvest(job, Map.of("harvester.max-resumes", "0"));
        assertThat(requestsFor(job, file)).extracting(RequestLog.Entry::status).containsExactly(200, 200);
    }
}

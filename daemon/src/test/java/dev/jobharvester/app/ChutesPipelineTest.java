package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.sim.ChutesApi;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** routes/chutes-to-directory.yaml against the simulated Chutes API. */
class ChutesPipelineTest {

    private static final String NAME = ChutesApi.NAME;

    @TempDir
    Path dir;
    private Simulator simulator;

    @BeforeEach
    void start() throws Exception {
        simulator = new Simulator(new ChutesApi("cpk_sim-chutes-key")).start();
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    private Map<String, String> settings(String jobIds) {
        Map<String, String> settings = RunningHarvester.settings(simulator, dir);
        settings.put("chutes.job-ids", jobIds);
        settings.put("harvester.max-job-errors", "3");
        return settings;
    }

    private long statusRequests(SimJob job) {
        return simulator.requests().matching(e -> e.path().equals("/chutes/jobs/" + job.id())).size();
    }

    @Test
    void onlyUploadedFilesAreFetchedWithTheKeyFromTheApiHost() throws Exception {
        SimFile missing = SimFile.of("never-uploaded.bin", 1_000).notUploaded();
        List<SimFile> uploaded = List.of(SimFile.of("result.json", 4_000), SimFile.of("images/out-1.png", 250_000),
                SimFile.of("_chute.log", 9_000));
        SimJob job = simulator.addJob(NAME, SimJob.of("0b6a9a54-8d8b-4a0e-9a57-3c1f0e2d7b11",
                JobScript.start("running", 2).thenStays("finished"),
                uploaded.get(0), missing, uploaded.get(1), uploaded.get(2)));
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings(job.id()))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
        }
        Delivered.assertComplete(NAME, output, job, "finished", uploaded);
        Delivered.assertEachDownloadedOnce(simulator, NAME, job, uploaded);
        // Every listed file is accounted for, the one never uploaded too, and what Chutes says of the result.
        JsonNode manifest = Delivered.manifest(NAME, output, job);
        assertThat(manifest.get("unavailable")).singleElement().satisfies(f -> {
            assertThat(f.get("sourcePath").asText()).isEqualTo(missing.path());
            assertThat(f.get("reason").asText()).isEqualTo("never uploaded by the job");
        });
        assertThat(manifest.get("outcome").asText()).isEqualTo("result: {\"ok\":true}");
        assertThat(simulator.requests().matching(e -> e.path().endsWith(ChutesApi.fileId(job, missing)))).isEmpty();
        assertThat(simulator.requests().entries()).allSatisfy(e -> {
            assertThat(e.host()).isEqualTo("api");
            assertThat(e.authorization()).isEqualTo("cpk_sim-chutes-key");
        });
    }

    @Test
    void aJobThatFailedSaysSoInItsManifestUnlikeAJobThatSucceededWithNoFiles() throws Exception {
        SimJob failed = simulator.addJob(NAME, SimJob.of("failed", JobScript.always("failed")));
        SimJob empty = simulator.addJob(NAME, SimJob.of("empty", JobScript.always("finished")));
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings("failed,empty"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, failed)
                    && Delivered.manifestPresent(NAME, output, empty));
        }
        assertThat(Delivered.manifest(NAME, output, failed).get("outcome").asText())
                .isEqualTo("no result and no output files: the job failed or was cancelled (Chutes does not say which)");
        assertThat(Delivered.manifest(NAME, output, empty).get("outcome").asText()).startsWith("result: ");
        assertThat(Delivered.manifest(NAME, output, failed).get("fileCount").asInt()).isZero();
    }

    @Test
    void aJobThatNeverFinishesAndAJobThatAnswers500DoNotBlockTheOthers() throws Exception {
        SimJob never = simulator.addJob(NAME, SimJob.of("never", JobScript.always("running"),
                SimFile.of("a.txt", 10)));
        SimJob broken = simulator.addJob(NAME, SimJob.of("broken", JobScript.always("broken"),
                SimFile.of("b.txt", 10)));
        SimJob done = simulator.addJob(NAME, SimJob.of("done", JobScript.start("running", 3).thenStays("finished"),
                SimFile.of("c.txt", 5_000)));
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings("never,broken,done"))) {
            // Three polls (maxJobErrors) of one request and three retries (apiRetries) each.
            long bounded = 3 * 4;
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, done)
                    && statusRequests(broken) >= bounded);
            long polled = statusRequests(never);
            // Three more polls of the job that never finishes: the broken job is not asked again.
            await().atMost(Duration.ofSeconds(30)).until(() -> statusRequests(never) >= polled + 3);
            assertThat(statusRequests(broken)).as("the 500 job, given up after maxJobErrors").isEqualTo(bounded);
        }
        Delivered.assertComplete(NAME, output, done, "finished");
        assertThat(Delivered.jobDir(NAME, output, never)).doesNotExist();
        assertThat(Delivered.jobDir(NAME, output, broken)).doesNotExist();
    }
}

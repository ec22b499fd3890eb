package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.sim.ArchetypeApi;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** routes/archetype-to-directory.yaml against the simulated Archetype AI API. */
class ArchetypePipelineTest {

    private static final String NAME = ArchetypeApi.NAME;

    @TempDir
    Path dir;
    private Simulator simulator;
    private ArchetypeApi api;

    @BeforeEach
    void start() throws Exception {
        api = new ArchetypeApi("sim-archetype-key");
        simulator = new Simulator(api).start();
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    private Map<String, String> settings(String jobIds) {
        Map<String, String> settings = RunningHarvester.settings(simulator, dir);
        settings.put("archetype.job-ids", jobIds);
        return settings;
    }

    /** Outputs of two inputs on one port with the same file name, and one output with no input. */
    private static List<SimFile> outputs(String prefix) {
        return List.of(SimFile.of("results/inp_1/" + prefix + ".json", 2_000),
                SimFile.of("results/inp_2/" + prefix + ".json", 3_000),
                SimFile.of("results/inp_1/" + prefix + "-embedding.bin", 400_000),
                SimFile.of("logs/" + prefix + "-run.log", 10_000));
    }

    @Test
    void aJobThatFailsAndIsRetriedIsHarvestedWhenItCompletes() throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of("job_retried000000000000001",
                JobScript.start("PENDING", 1).then("RUNNING", 1).then("FAILED", 3).then("PENDING", 1)
                        .then("RUNNING", 1).thenStays("COMPLETED"), outputs("r")));
        Path output = RunningHarvester.output(dir);
        Map<String, String> settings = settings(job.id());
        settings.put("archetype.page-size", "3");
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
        }
        Delivered.assertComplete(NAME, output, job, "COMPLETED");
        Delivered.assertEachDownloadedOnce(simulator, NAME, job);
        assertThat(simulator.requests().matching(e -> e.path().endsWith("/outputs"))).as("pages of 3 for 4 outputs")
                .hasSize(2);
    }

    /**
     * Twenty-five waiting jobs are answered by one listing of the platform's jobs per poll, not by a status call each:
     * a job is asked on its own when it is first watched and when the listing shows its state changed.
     */
    @Test
    void waitingJobsAreAnsweredByOneListingPerPollAndAskedOnTheirOwnOnlyWhenTheyChange() throws Exception {
        List<SimJob> jobs = new ArrayList<>();
        for (int j = 0; j < 25; j++) {
            jobs.add(simulator.addJob(NAME, SimJob.of("job_listed%016d".formatted(j),
                    JobScript.start("RUNNING", 30).thenStays("COMPLETED"), List.of(SimFile.of("results/out.json",
                            1_000 + j)))));
        }
        Path output = RunningHarvester.output(dir);
        Map<String, String> settings = settings(jobs.stream().map(SimJob::id).collect(Collectors.joining(",")));
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> jobs.stream().allMatch(job -> Delivered.manifestPresent(NAME, output, job)));
        }
        long listings = simulator.requests().matching(e -> e.path().equals("/archetype/batch/jobs")).size();
        assertThat(listings).as("listings of the jobs' states").isGreaterThanOrEqualTo(5);
        for (SimJob job : jobs) {
            Delivered.assertComplete(NAME, output, job, "COMPLETED");
            long asked = simulator.requests().matching(e -> e.path().equals("/archetype/batch/jobs/" + job.id()))
                    .size();
            assertThat(asked).as("status calls about %s, with %d listings", job.id(), listings).isLessThanOrEqualTo(3);
        }
    }

    /**
     * A job harvested at FAILED (on purpose: FAILED is among the harvested states) stays watched, across a restart, and
     * when Archetype retries it to COMPLETED it is harvested again: the manifest then describes run 2.
     */
    @Test
    void aJobHarvestedAtFailedAndThenRetriedIsHarvestedAgainAsItsSecondRun() throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of("job_comesback000000000000001",
                JobScript.start("RUNNING", 1).then("FAILED", 20).then("RUNNING", 2).thenStays("COMPLETED"),
                outputs("c")));
        Path output = RunningHarvester.output(dir);
        Map<String, String> settings = settings(job.id());
        settings.put("archetype.harvest-states", "COMPLETED,FAILED");
        settings.put("camel.component.job-outputs.watch-delay", "200");
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
            JsonNode first = Delivered.manifest(NAME, output, job);
            assertThat(first.get("state").asText()).isEqualTo("FAILED");
            assertThat(first.get("run").asInt()).isEqualTo(1);
        }
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifest(NAME, output, job).get("state")
                    .asText().equals("COMPLETED"));
        }
        Delivered.assertComplete(NAME, output, job, "COMPLETED");
        assertThat(Delivered.manifest(NAME, output, job).get("run").asInt()).isEqualTo(2);
        for (SimFile file : job.files()) {
            assertThat(simulator.downloads(NAME, job.id(), file.path())).as("downloads of %s, once per run",
                    file.path()).isEqualTo(2);
        }
    }

    /** A failed job harvested on purpose says in its manifest what the platform said of the failure. */
    @Test
    void aFailedJobHarvestedOnPurposeCarriesItsErrorIntoTheManifest() throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of("job_failed00000000000000001", JobScript.always("FAILED"),
                outputs("f")));
        Path output = RunningHarvester.output(dir);
        Map<String, String> settings = settings(job.id());
        settings.put("archetype.harvest-states", "COMPLETED,FAILED");
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
        }
        Delivered.assertComplete(NAME, output, job, "FAILED");
        assertThat(Delivered.manifest(NAME, output, job).get("outcome").asText())
                .isEqualTo("error: {\"code\":\"worker_crashed\",\"message\":\"the worker exited with 137\"}");
    }

    @Test
    void refsThatExpiredBeforeTheirTurnAreListedAgainNotTried() throws Exception {
        api.firstListingExpired(true);
        SimJob job = simulator.addJob(NAME, SimJob.of("job_expiring00000000000001", JobScript.always("COMPLETED"),
                outputs("e")));
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings(job.id()))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
        }
        Delivered.assertComplete(NAME, output, job, "COMPLETED");
        Delivered.assertEachDownloadedOnce(simulator, NAME, job);
        assertThat(simulator.requests().matching(e -> e.host().equals("storage") && e.status() != 200))
                .as("storage requests with an expired ref").isEmpty();
    }

    @Test
    void portAndInputFiltersNarrowWhatIsHarvested() throws Exception {
        List<SimFile> files = outputs("f");
        SimJob job = simulator.addJob(NAME, SimJob.of("job_filtered00000000000001", JobScript.always("COMPLETED"),
                files));
        Map<String, String> settings = settings(job.id());
        settings.put("archetype.port-name", "results");
        settings.put("archetype.input-id", "inp_1");
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
        }
        List<SimFile> wanted = files.stream().filter(f -> f.path().startsWith("results/inp_1/")).toList();
        assertThat(wanted).hasSize(2);
        Delivered.assertComplete(NAME, output, job, "COMPLETED", wanted);
        assertThat(simulator.requests().matching(e -> e.path().endsWith("/outputs")))
                .allSatisfy(e -> assertThat(e.query()).contains("port_name=results").contains("input_id=inp_1"));
    }

    @Test
    void discoveryHarvestsListedJobsThatPassTheFilters() throws Exception {
        Instant cutoff = Instant.parse("2026-06-01T00:00:00Z");
        SimJob recent = simulator.addJob(NAME, SimJob.of("job_recent0000000000000001", JobScript.always("COMPLETED"),
                outputs("n")).createdAt(cutoff.plusSeconds(3600)));
        SimJob old = simulator.addJob(NAME, SimJob.of("job_old000000000000000001", JobScript.always("COMPLETED"),
                outputs("o")).createdAt(cutoff.minusSeconds(3600)));
        SimJob running = simulator.addJob(NAME, SimJob.of("job_running00000000000001", JobScript.always("RUNNING"),
                outputs("x")).createdAt(cutoff.plusSeconds(60)));
        Map<String, String> settings = settings("");
        settings.put("archetype.discover", "true");
        settings.put("archetype.discover-status", "COMPLETED");
        settings.put("archetype.discover-created-after", cutoff.toString());
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, recent));
        }
        Delivered.assertComplete(NAME, output, recent, "COMPLETED");
        assertThat(Delivered.jobDir(NAME, output, old)).doesNotExist();
        assertThat(Delivered.jobDir(NAME, output, running)).doesNotExist();
        assertThat(simulator.requests().matching(e -> e.path().contains(old.id()))).isEmpty();
    }

    /** Twenty thousand outputs, listed in pages of 100, harvested by the daemon in its own JVM with a 64 MiB heap. */
    @Test
    void twentyThousandOutputsInPagesOfAHundredWithTheHeapCapped() throws Exception {
        List<SimFile> files = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            files.add(SimFile.of("results/inp_" + (i / 100) + "/out-" + i + ".json", 256 + i % 512));
        }
        SimJob job = simulator.addJob(NAME, SimJob.of("job_twentythousand000000001", JobScript.always("COMPLETED"),
                files));
        Path output = RunningHarvester.output(dir);
        try (DaemonProcess daemon = DaemonProcess.start(dir, "-Xmx64m", Map.of(
                "ARCHETYPE_API_URL", simulator.apiUrl(NAME), "ATAI_API_KEY", simulator.apiKey(NAME),
                "ARCHETYPE_JOB_IDS", job.id(), "ARCHETYPE_PAGE_SIZE", "100",
                "HARVESTER_OUTPUT_DIR", output.toString(), "HARVESTER_DATA_DIR", dir.resolve("data").toString(),
                "HARVESTER_POLL_DELAY", "200", "HARVESTER_ALLOWED_HOSTS", "127.0.0.1", "HARVESTER_ALLOW_HTTP", "true"))) {
            await().atMost(Duration.ofMinutes(3)).until(() -> Delivered.manifestPresent(NAME, output, job)
                    || !daemon.isAlive());
            assertThat(daemon.isAlive()).as("the daemon is still running (no OutOfMemoryError)").isTrue();
        }
        assertThat(Delivered.manifest(NAME, output, job).get("fileCount").asInt()).isEqualTo(20_000);
        for (SimFile file : List.of(files.get(0), files.get(9_999), files.get(19_999))) {
            assertThat(Digests.sha256(Delivered.jobDir(NAME, output, job).resolve(file.path())))
                    .isEqualTo(file.sha256());
        }
        assertThat(simulator.requests().matching(e -> e.path().endsWith("/outputs"))).hasSize(200);
        assertThat(simulator.requests().matching(e -> e.host().equals("storage"))).hasSize(20_000);
    }
}

package dev.jobharvester.app;

import dev.jobharvester.testing.CapturedLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.PixxelApi;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** routes/pixxel-to-directory.yaml against the simulated Pixxel API, in both package modes. */
class PixxelPipelineTest {

    private static final String NAME = PixxelApi.NAME;

    @TempDir
    Path dir;
    private Simulator simulator;
    private PixxelApi api;
    private SimJob job;
    private List<SimFile> safe;

    @BeforeEach
    void start() throws Exception {
        api = new PixxelApi("sim-pixxel-key");
        api.callsUntilReady(3);
        simulator = new Simulator(api).start();
        safe = List.of(SimFile.of("scene/band-1.tif", 600_000), SimFile.of("scene/meta/info.json", 3_000),
                SimFile.of("inputs/aoi.geojson", 1_500));
        job = simulator.addJob(NAME, SimJob.of("4f1c2a7e-0b7d-4e7b-9b1a-2f0c6d3e8a51",
                JobScript.start("running", 2).thenStays("completed"),
                safe.get(0), safe.get(1), SimFile.of("../evil", 100), safe.get(2)));
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    private Map<String, String> settings(boolean unpack) {
        Map<String, String> settings = RunningHarvester.settings(simulator, dir);
        settings.put("pixxel.job-ids", job.id());
        settings.put("pixxel.unpack", String.valueOf(unpack));
        return settings;
    }

    @Test
    void thePackageIsUnpackedEntryByEntryAndAnEntryLeavingTheJobFolderIsRefused() throws Exception {
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings(true))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
        }
        Delivered.assertComplete(NAME, output, job, "completed", safe);
        JsonNode manifest = Delivered.manifest(NAME, output, job);
        assertThat(manifest.get("refused")).hasSize(1);
        assertThat(manifest.get("refused").get(0).get("sourcePath").asText()).isEqualTo("package.zip!/../evil");
        assertThat(manifest.get("refused").get(0).get("reason").asText()).contains("climbs out of the job folder");
        assertThat(manifest.get("unpackedArchives").get(0).get("path").asText()).isEqualTo(PixxelApi.PACKAGE);
        try (Stream<Path> everything = Files.walk(dir)) {
            assertThat(everything.map(p -> p.getFileName().toString())).doesNotContain("evil");
        }
        assertThat(simulator.downloads(NAME, job.id(), PixxelApi.PACKAGE)).isEqualTo(1);
        assertThat(simulator.requests().matching(e -> e.method().equals("PUT"))).as("PUT until ready").hasSize(3);
        assertThat(simulator.requests().matching(e -> e.host().equals("api")))
                .allSatisfy(e -> assertThat(e.authorization()).isEqualTo("sim-pixxel-key"));
    }

    @Test
    void thePackageIsDeliveredAsItIsWhenAskedTo() throws Exception {
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings(false))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
        }
        SimFile zip = SimFile.ofBytes(PixxelApi.PACKAGE, PixxelApi.zip(job));
        Delivered.assertComplete(NAME, output, job, "completed", List.of(zip));
        assertThat(simulator.downloads(NAME, job.id(), PixxelApi.PACKAGE)).isEqualTo(1);
    }

    @Test
    void discoveryTakesTheWorkflowsCompletedJobs() throws Exception {
        SimJob stillRunning = simulator.addJob(NAME, SimJob.of("9d2e6c1a-5f3b-4c8e-8a0d-7b4f2e1c9a30",
                JobScript.always("running"), SimFile.of("x.tif", 100)));
        Map<String, String> settings = settings(true);
        settings.put("pixxel.job-ids", "");
        settings.put("pixxel.discover", "true");
        settings.put("pixxel.discover-status", "completed");
        // The first job is still running at the first polls: discovery finds it once it has completed.
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                job.script().nextStatus();
                return Delivered.manifestPresent(NAME, output, job);
            });
        }
        Delivered.assertComplete(NAME, output, job, "completed", safe);
        assertThat(Delivered.jobDir(NAME, output, stillRunning)).doesNotExist();
        assertThat(simulator.requests().matching(e -> e.path().contains(stillRunning.id()))).isEmpty();
    }

    @Test
    void aPlatformErrorSurfacesItsMessage() throws Exception {
        Map<String, String> settings = settings(true);
        settings.put("pixxel.workflow-id", "wf-not-mine");
        settings.put("harvester.max-job-errors", "2");
        try (CapturedLog log = CapturedLog.attach();
                RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> log.lines().stream().anyMatch(l -> l.contains(
                    "pixxel job " + job.id() + ": GET /v0/workflows/wf-not-mine/jobs/" + job.id()
                            + " answered 403: no permission on workflow wf-not-mine (given up after 2 errors in a row")));
        }
    }
}

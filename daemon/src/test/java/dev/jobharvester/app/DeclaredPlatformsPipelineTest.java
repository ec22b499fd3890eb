package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.OpenAiBatchApi;
import dev.jobharvester.sim.ReplicateApi;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Platforms declared in YAML, harvested end to end with no Java of their own: the shipped openai-batch platform
 * through its shipped route, and a user's own copy of the Replicate file under another name, with a route the user
 * wrote, each into a directory, SHA-256 checked, and exactly once across a restart.
 */
class DeclaredPlatformsPipelineTest {

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    @Test
    void openAiBatchesAreHarvestedOnceAcrossARestart() throws Exception {
        String name = OpenAiBatchApi.NAME;
        SimJob first = simulator.addJob(name, SimJob.of("batch_first",
                JobScript.start("validating", 1).then("in_progress", 2).then("finalizing", 1).thenStays("completed"),
                SimFile.of(OpenAiBatchApi.OUTPUT, 300_000), SimFile.of(OpenAiBatchApi.ERRORS, 2_000)));
        SimJob clean = simulator.addJob(name, SimJob.of("batch_clean", JobScript.always("completed"),
                SimFile.of(OpenAiBatchApi.OUTPUT, 50_000)));
        Path output = RunningHarvester.output(dir);
        Map<String, String> settings = RunningHarvester.settings(simulator, dir);
        settings.put("openai-batch.job-ids", first.id() + "," + clean.id());
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(name, output, first)
                    && Delivered.manifestPresent(name, output, clean));
        }
        Delivered.assertComplete(name, output, first, "completed");
        Delivered.assertComplete(name, output, clean, "completed");
        byte[] manifest = Files.readAllBytes(Delivered.jobDir(name, output, first).resolve("_manifest.json"));

        SimJob later = simulator.addJob(name, SimJob.of("batch_later", JobScript.always("completed"),
                SimFile.of(OpenAiBatchApi.OUTPUT, 70_000), SimFile.of(OpenAiBatchApi.ERRORS, 900)));
        settings.put("openai-batch.job-ids", first.id() + "," + clean.id() + "," + later.id());
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(name, output, later));
        }
        Delivered.assertComplete(name, output, later, "completed");
        for (SimJob job : List.of(first, clean, later)) {
            Delivered.assertEachDownloadedOnce(simulator, name, job);
        }
        assertThat(Files.readAllBytes(Delivered.jobDir(name, output, first).resolve("_manifest.json")))
                .as("the first batch's manifest after the restart").isEqualTo(manifest);
        assertThat(simulator.requests().entries()).filteredOn(e -> e.host().equals("api"))
                .allSatisfy(e -> assertThat(e.authorization()).isEqualTo("Bearer " + simulator.apiKey(name)));
    }

    @Test
    void aPlatformFileAndARouteOfTheUsersOwnHarvestReplicatePredictionsOnceAcrossARestart() throws Exception {
        // The user's copy of the shipped file, under a name of their own: nothing else tells the harvester of it.
        Path platforms = Files.createDirectories(dir.resolve("platforms"));
        try (InputStream shipped = getClass().getClassLoader().getResourceAsStream("platforms/replicate.yaml")) {
            Files.writeString(platforms.resolve("replicate-eu.yaml"), new String(shipped.readAllBytes(),
                    StandardCharsets.UTF_8).replace("name: replicate", "name: replicate-eu"));
        }
        Path routes = Files.createDirectories(dir.resolve("routes"));
        Files.writeString(routes.resolve("replicate-eu.yaml"), """
                - route:
                    id: replicate-eu-to-directory
                    from:
                      uri: job-outputs:replicate-eu
                      parameters:
                        apiUrl: "{{replicate.api-url}}"
                        apiKey: "RAW({{replicate.api-key}})"
                        jobIds: "{{eu.jobs}}"
                      steps:
                        - to:
                            uri: "durable-file:{{harvester.output-dir}}"
                """);
        String api = ReplicateApi.NAME;
        String name = "replicate-eu";
        SimJob one = simulator.addJob(api, SimJob.of("pred-one", JobScript.start("starting", 1).then("processing", 2)
                .thenStays("succeeded"), SimFile.of("out-0.png", 120_000)));
        SimJob many = simulator.addJob(api, SimJob.of("pred-many", JobScript.always("succeeded"),
                SimFile.of("out-0.webp", 80_000), SimFile.of("out-1.webp", 81_000), SimFile.of("out-2.webp", 82_000)));
        SimJob failed = simulator.addJob(api, SimJob.of("pred-failed", JobScript.always("failed")));
        Path output = RunningHarvester.output(dir);
        Map<String, String> settings = RunningHarvester.settings(simulator, dir);
        settings.put("harvester.platforms-dir", platforms.toString());
        settings.put("harvester.routes-dir", routes.toString());
        settings.put("eu.jobs", one.id() + "," + many.id() + "," + failed.id());
        for (int run = 0; run < 2; run++) {
            try (RunningHarvester harvester = RunningHarvester.start(settings)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(name, output, one)
                        && Delivered.manifestPresent(name, output, many));
            }
        }
        Delivered.assertComplete(name, output, one, "succeeded");
        Delivered.assertComplete(name, output, many, "succeeded");
        Delivered.assertEachDownloadedOnce(simulator, api, one);
        Delivered.assertEachDownloadedOnce(simulator, api, many);
        assertThat(Delivered.jobDir(name, output, failed)).as("a failed prediction is not harvested").doesNotExist();
    }
}

package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as a new user runs it: copied alone into an empty folder, with no settings file and no routes folder
 * beside it; the defaults inside it, the environment for the rest.
 */
class StandaloneJarIT {

    private static final Path JAR = Path.of("target", "job-harvester.jar");

    @TempDir
    Path folder;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    /** {@code java [jvmOptions] -jar job-harvester.jar arguments}, in the folder, with the jar copied there. */
    private ProcessBuilder java(List<String> jvmOptions, String... arguments) throws IOException {
        Files.copy(JAR, folder.resolve(JAR.getFileName()));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", "job-harvester.jar"));
        command.addAll(List.of(arguments));
        return NewUserProcess.in(folder, command);
    }

    private String output() throws IOException {
        return NewUserProcess.output(folder);
    }

    @Test
    void theDemoRunsFromAnEmptyFolderWithTheJarAlone() throws Exception {
        Process demo = java(List.of(), "demo").start();
        assertThat(demo.waitFor(3, TimeUnit.MINUTES)).as("the demo ended").isTrue();
        assertThat(demo.exitValue()).as("exit code; output:%n%s", output()).isZero();
        for (String platform : List.of("tensorpool", "pixxel", "archetype", "chutes")) {
            assertThat(output()).contains("\n" + platform + " job ");
        }
        assertThat(output()).contains("SHA-256 matches the source").doesNotContain("MISSING", "DIFFERS");
        try (Stream<Path> beside = Files.list(folder)) {
            assertThat(beside.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("job-harvester.jar", "output.log", "demo-output");
        }
    }

    @Test
    void runWithOnlyEnvironmentVariablesHarvestsAndStopsOnSigterm() throws Exception {
        SimJob job = simulator.addJob(TensorPoolApi.NAME, SimJob.of("j1", JobScript.always("completed"),
                SimFile.of("model.bin", 1_000_000), SimFile.of("log.txt", 100)));
        ProcessBuilder run = java(List.of(), "run");
        run.environment().putAll(NewUserProcess.pointedAt(simulator));
        run.environment().put("TENSORPOOL_JOB_IDS", "j1");
        harvestUntilStopped(run, job, folder.resolve("harvested"), folder.resolve("data"));
    }

    /**
     * Each source of settings overrides the ones before it: the jar's defaults, config/application.properties of the
     * working directory, --config, the environment, -D.
     */
    @Test
    void eachSourceOfSettingsOverridesTheOnesBeforeIt() throws Exception {
        SimJob job = simulator.addJob(TensorPoolApi.NAME, SimJob.of("j2", JobScript.always("completed"),
                SimFile.of("out.bin", 50_000)));
        Files.createDirectories(folder.resolve("config"));
        Files.writeString(folder.resolve("config/application.properties"), """
                tensorpool.job-ids = j2
                harvester.output-dir = from-local-file
                harvester.data-dir = from-local-file-data
                """);
        Files.writeString(folder.resolve("given.properties"), """
                harvester.output-dir = from-config-option
                harvester.data-dir = from-config-option-data
                """);
        ProcessBuilder run = java(List.of("-Dharvester.data-dir=from-system-property"), "run", "--config",
                "given.properties");
        run.environment().putAll(NewUserProcess.pointedAt(simulator));
        run.environment().put("HARVESTER_DATA_DIR", "from-environment");
        harvestUntilStopped(run, job, folder.resolve("from-config-option"), folder.resolve("from-system-property"));
        assertThat(folder.resolve("from-local-file")).doesNotExist();
        assertThat(folder.resolve("from-environment")).doesNotExist();
    }

    /** Runs the daemon until the job's manifest is in the output folder, checks it, and stops it with SIGTERM. */
    private void harvestUntilStopped(ProcessBuilder run, SimJob job, Path output, Path data) throws Exception {
        Process daemon = run.start();
        try {
            Path jobFolder = output.resolve("tensorpool").resolve(job.id());
            await().atMost(Duration.ofSeconds(60)).failFast(() -> !daemon.isAlive())
                    .until(() -> Files.exists(jobFolder.resolve("_manifest.json")));
            assertThat(simulator.deliveryFaults(TensorPoolApi.NAME, job, jobFolder)).isEmpty();
            assertThat(data.resolve("ledger")).isDirectory();
        } finally {
            daemon.destroy();
            assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(daemon.exitValue()).as("output:%n%s", output()).isEqualTo(143);
        assertThat(output()).doesNotContain(simulator.apiKey(TensorPoolApi.NAME));
    }
}

package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped directory pipeline against what a sink directory holds in real life: a good copy from an earlier run,
 * symbolic links somebody planted, a manifest delivered just before a crash, and a second process on the same data.
 */
class SinkSafetyTest {

    private static final String NAME = TensorPoolApi.NAME;
    private static final String ROUTE = "tensorpool-to-directory";

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    private OneShot oneShot(Map<String, String> changes) throws Exception {
        Map<String, String> settings = RunningHarvester.settings(simulator, dir);
        settings.putAll(changes);
        return new OneShot(SettingsFile.write(dir, settings));
    }

    private Path output() {
        return RunningHarvester.output(dir);
    }

    private List<Path> tempFiles() throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith(".inprogress-")).toList();
        }
    }

    @Test
    void aGoodCopyStaysUntilItsWholeVerifiedReplacementTakesItsPlaceAndAFailedAttemptLeavesOnlyItsKeptBytes()
            throws Exception {
        SimFile model = SimFile.of("model.bin", 3_000_000).throttle(1_500_000).abortAfter(2_000_000, Integer.MAX_VALUE);
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-replace", JobScript.always("completed"), model,
                SimFile.of("ok.txt", 500)));
        // A copy from an earlier run whose ledger was lost: it must not go missing while the file is fetched again.
        Path old = Delivered.jobDir(NAME, output(), job).resolve("model.bin");
        Files.createDirectories(old.getParent());
        Files.writeString(old, "the copy of an earlier run");
        OneShot oneShot = oneShot(Map.of("harvester.max-resumes", "0", "harvester.max-file-attempts", "1"));

        CompletableFuture<Integer> harvest = CompletableFuture.supplyAsync(() -> {
            try {
                return oneShot.harvest("--route", ROUTE, "--jobs", job.id());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> model.bytesServed() > 1_000_000);
        assertThat(Files.readString(old)).as("the old copy while its replacement downloads")
                .isEqualTo("the copy of an earlier run");
        assertThat(tempFiles()).as("the replacement's temp file while it downloads").hasSize(1);
        assertThat(harvest.get()).as("the file failed its only attempt: parked").isEqualTo(ExitCodes.FAILED);
        assertThat(Files.readString(old)).as("the old copy after its replacement failed")
                .isEqualTo("the copy of an earlier run");
        // Hidden beside it, the bytes received, kept for the file's next attempt.
        assertThat(tempFiles()).as("temp files left by a failed, parked file").singleElement()
                .satisfies(kept -> assertThat(Files.size(kept)).isEqualTo(2_000_000));

        model.abortAfter(-1, 0);
        Files.walk(dir.resolve("data")).sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        assertThat(oneShot.harvest("--route", ROUTE, "--jobs", job.id())).isZero();
        Delivered.assertComplete(NAME, output(), job, "completed");
        assertThat(model.bytesServed()).as("the kept bytes fetched once").isEqualTo(model.size());
        assertThat(tempFiles()).isEmpty();
    }

    @Test
    void aSymbolicLinkInTheSinkIsNeverWrittenThroughAndItsFileIsRefusedWhileTheRestIsDelivered() throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-links", JobScript.always("completed"),
                SimFile.of("linkdir/a.txt", 1_000), SimFile.of("c.txt", 2_000), SimFile.of("b.txt", 3_000)));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path precious = Files.writeString(outside.resolve("target.txt"), "precious");
        Path jobDir = Files.createDirectories(Delivered.jobDir(NAME, output(), job));
        Files.createSymbolicLink(jobDir.resolve("linkdir"), outside);
        Files.createSymbolicLink(jobDir.resolve("c.txt"), precious);

        assertThat(oneShot(Map.of()).harvest("--route", ROUTE, "--jobs", job.id())).isZero();

        try (Stream<Path> files = Files.list(outside)) {
            assertThat(files).as("what is outside the sink").containsExactly(precious);
        }
        assertThat(Files.readString(precious)).isEqualTo("precious");
        assertThat(Files.isSymbolicLink(jobDir.resolve("c.txt"))).isTrue();
        JsonNode manifest = Delivered.manifest(NAME, output(), job);
        assertThat(manifest.get("fileCount").asInt()).isEqualTo(1);
        assertThat(manifest.get("files").get(0).get("sha256").asText()).isEqualTo(job.file("b.txt").sha256());
        List<String> refused = new ArrayList<>();
        manifest.get("refused").forEach(r -> refused.add(r.get("sourcePath").asText() + ": " + r.get("reason").asText()));
        assertThat(refused).hasSize(2).allMatch(r -> r.contains("is a symbolic link the harvester did not make"))
                .anyMatch(r -> r.startsWith("linkdir/a.txt: ")).anyMatch(r -> r.startsWith("c.txt: "));
        assertThat(tempFiles()).isEmpty();
    }

    @Test
    void aManifestDeliveredAgainAfterACrashBeforeItWasRecordedHasTheSameBytes() throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-twice", JobScript.always("completed"),
                SimFile.of("a.bin", 100_000), SimFile.of("d/b.txt", 2_000)));
        OneShot oneShot = oneShot(Map.of());
        assertThat(oneShot.harvest("--route", ROUTE, "--jobs", job.id())).isZero();
        Path manifest = Delivered.jobDir(NAME, output(), job).resolve("_manifest.json");
        byte[] first = Files.readAllBytes(manifest);

        // The crash's window: the manifest is in the sink, the ledger's completion line never reached the disk.
        Path ledger = dir.resolve("data/ledger/" + ROUTE + ".jsonl");
        List<String> lines = Files.readAllLines(ledger, StandardCharsets.UTF_8);
        assertThat(lines.get(lines.size() - 1)).contains("\"op\":\"complete\"");
        Files.write(ledger, lines.subList(0, lines.size() - 1), StandardCharsets.UTF_8);

        assertThat(oneShot.harvest("--route", ROUTE, "--jobs", job.id())).isZero();
        assertThat(Files.readAllBytes(manifest)).as("the manifest written again").isEqualTo(first);
        Delivered.assertEachDownloadedOnce(simulator, NAME, job);
        Delivered.assertComplete(NAME, output(), job, "completed");
    }

    @Test
    void aSecondProcessOnTheSameDataDirectoryIsRefusedNamingTheFirst() throws Exception {
        Map<String, String> environment = Map.of("HARVESTER_DATA_DIR", dir.resolve("data").toString(),
                "HARVESTER_OUTPUT_DIR", output().toString());
        Path lock = dir.resolve("data/ledger/" + ROUTE + ".jsonl.lock");
        try (DaemonProcess daemon = DaemonProcess.start(dir, "-Xmx128m", environment)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(lock) && Files.size(lock) > 0);
            OneShot second = oneShot(Map.of());
            assertThat(second.harvest("--route", ROUTE, "--jobs", "tp-any")).isEqualTo(ExitCodes.CONFIG);
            assertThat(second.errors()).contains("the ledger " + dir.resolve("data/ledger/" + ROUTE + ".jsonl")
                    .toAbsolutePath()).contains("is in use by process " + daemon.pid() + "@");
        }
    }
}

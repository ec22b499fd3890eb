package dev.jobharvester.app;

import dev.jobharvester.testing.CapturedLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A platform that answers with hostile names and URLs: nothing outside the job's folder, nothing fetched from inside. */
class HostileInputTest {

    private static final String NAME = TensorPoolApi.NAME;

    @TempDir
    Path dir;

    @Test
    void hostileNamesAreMappedOrRefusedAndInternalUrlsAreNeverFetched() throws Exception {
        String longName = "x".repeat(300) + ".bin";
        try (Simulator simulator = Simulator.allPlatforms().start()) {
            SimFile fine = SimFile.of("results/fine.txt", 2_000);
            SimFile absolute = SimFile.of("/abs/olute.txt", 1_000);
            SimFile tooLong = SimFile.of("deep/" + longName, 1_500);
            SimFile upper = SimFile.of("Report.TXT", 700);
            SimFile lower = SimFile.of("report.txt", 800);
            SimJob job = simulator.addJob(NAME, SimJob.of("tp-hostile", JobScript.always("completed"), fine, absolute,
                    tooLong, upper, lower, SimFile.of("../../escape.txt", 10), SimFile.of("a/../../escape2.txt", 10),
                    SimFile.of("nul\u0000name.txt", 10), SimFile.of("bell\u0007name.txt", 10),
                    SimFile.of("metadata.json", 10).listedAt("http://169.254.169.254/latest/meta-data/iam/"),
                    SimFile.of("loopback.bin", 10).listedAt("http://localhost:9/secret")));
            Path output = RunningHarvester.output(dir);
            Map<String, String> settings = RunningHarvester.settings(simulator, dir, job.id());
            try (CapturedLog log = CapturedLog.attach(); RunningHarvester harvester = RunningHarvester.start(settings)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
                assertThat(log.lines()).noneMatch(l -> l.contains("\u0000") || l.contains("\u0007"));
            }
            Path jobDir = Delivered.jobDir(NAME, output, job);
            assertThat(Digests.sha256(jobDir.resolve("results/fine.txt"))).isEqualTo(fine.sha256());
            assertThat(Digests.sha256(jobDir.resolve("abs/olute.txt"))).isEqualTo(absolute.sha256());
            List<Path> inDeep;
            try (Stream<Path> deep = Files.list(jobDir.resolve("deep"))) {
                inDeep = deep.toList();
            }
            assertThat(inDeep).singleElement().satisfies(p -> {
                assertThat(p.getFileName().toString()).endsWith(".bin").hasSizeLessThanOrEqualTo(255);
                assertThat(Digests.sha256(p)).isEqualTo(tooLong.sha256());
            });
            JsonNode manifest = Delivered.manifest(NAME, output, job);
            List<String> mapped = new ArrayList<>();
            manifest.get("files").forEach(f -> {
                if (f.has("sourcePath")) {
                    mapped.add(f.get("sourcePath").asText() + " -> " + f.get("path").asText());
                }
            });
            assertThat(mapped).hasSize(3).anyMatch(m -> m.equals("/abs/olute.txt -> abs/olute.txt"))
                    .anyMatch(m -> m.startsWith("deep/" + longName + " -> deep/xxx"))
                    .anyMatch(m -> m.matches("report\\.txt -> report~[0-9a-f]{8}\\.txt"));
            // Names that differ only in case stay apart, also for a sink that does not tell case.
            assertThat(Digests.sha256(jobDir.resolve("Report.TXT"))).isEqualTo(upper.sha256());
            try (Stream<Path> top = Files.list(jobDir)) {
                assertThat(top.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("report~")).toList())
                        .singleElement().satisfies(n -> assertThat(Digests.sha256(jobDir.resolve(n)))
                                .isEqualTo(lower.sha256()));
            }
            assertThat(manifest.get("refused")).hasSize(6);
            // Nothing outside the folder the harvester writes to, nothing fetched from inside the machine.
            try (Stream<Path> everything = Files.walk(dir)) {
                assertThat(everything.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("escape"));
            }
            assertThat(simulator.requests().matching(e -> e.host().equals("storage"))).hasSize(5);
        }
    }

    @Test
    void aFileAndAFolderOfTheSameNameAreBothDeliveredOnceUnderDistinctNames() throws Exception {
        try (Simulator simulator = Simulator.allPlatforms().start()) {
            SimFile file = SimFile.of("clash", 1_000);
            SimFile inner = SimFile.of("clash/inner.txt", 2_000);
            SimJob job = simulator.addJob(NAME, SimJob.of("tp-clash", JobScript.always("completed"), inner, file));
            Path output = RunningHarvester.output(dir);
            try (RunningHarvester harvester = RunningHarvester.start(RunningHarvester.settings(simulator, dir,
                    job.id()))) {
                await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
            }
            Path jobDir = Delivered.jobDir(NAME, output, job);
            assertThat(Digests.sha256(jobDir.resolve("clash/inner.txt"))).isEqualTo(inner.sha256());
            JsonNode manifest = Delivered.manifest(NAME, output, job);
            assertThat(manifest.get("fileCount").asInt()).isEqualTo(2);
            List<JsonNode> mapped = new ArrayList<>();
            manifest.get("files").forEach(f -> {
                if (f.has("sourcePath")) {
                    mapped.add(f);
                }
            });
            assertThat(mapped).singleElement().satisfies(f -> {
                assertThat(f.get("sourcePath").asText()).isEqualTo("clash");
                assertThat(f.get("path").asText()).matches("clash~[0-9a-f]{8}");
                assertThat(Digests.sha256(jobDir.resolve(f.get("path").asText()))).isEqualTo(file.sha256());
            });
            Delivered.assertEachDownloadedOnce(simulator, NAME, job, List.of(file, inner));
        }
    }
}

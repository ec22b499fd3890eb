package dev.jobharvester.app;

import dev.jobharvester.testing.CapturedLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.component.JobOutputsConsumer;
import dev.jobharvester.component.JobPhase;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.PixxelApi;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pixxel packages unpacked by the shipped pipeline, against archives made to hurt: a bomb, an entry lying about its
 * size, too many entries, too many bytes. Each time the entry beyond a limit is stopped there and refused with its
 * reason in the manifest, the rest of the package is delivered, the package is fetched once, and the job ends.
 */
class ArchiveLimitsTest {

    private static final String NAME = PixxelApi.NAME;
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    private Simulator simulator;
    private PixxelApi api;
    private SimJob job;

    @BeforeEach
    void start() throws Exception {
        api = new PixxelApi("sim-pixxel-key");
        simulator = new Simulator(api).start();
        job = simulator.addJob(NAME, SimJob.of("7a0c9e51-3d2b-4f6e-9c1d-0e8b5a4f2c17", JobScript.always("completed")));
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Harvests the package under these settings; answers the manifest once the job ended. */
    private JsonNode harvest(TestZip zip, Map<String, String> changes) throws Exception {
        api.packageFor(job.id(), zip.bytes());
        Map<String, String> settings = RunningHarvester.settings(simulator, dir);
        settings.put("pixxel.job-ids", job.id());
        settings.putAll(changes);
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(NAME, output, job));
        }
        assertThat(simulator.downloads(NAME, job.id(), PixxelApi.PACKAGE)).as("package downloads").isEqualTo(1);
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("temp files left")
                    .noneMatch(name -> name.startsWith(".inprogress-"));
        }
        return Delivered.manifest(NAME, output, job);
    }

    private Path delivered(String path) {
        return Delivered.jobDir(NAME, RunningHarvester.output(dir), job).resolve(path);
    }

    private static Map<String, String> refusals(JsonNode manifest) {
        Map<String, String> refused = new HashMap<>();
        manifest.get("refused").forEach(r -> refused.put(r.get("sourcePath").asText(), r.get("reason").asText()));
        return refused;
    }

    @Test
    void aBombsEntriesAreStoppedAtTheRatioAndTheRestOfThePackageIsDelivered() throws Exception {
        TestZip zip = new TestZip();
        for (int i = 0; i < 20; i++) {
            zip.entry("bomb/zeros-" + i + ".bin", new byte[10 * MIB]);
        }
        byte[] real = random(200_000, 1);
        zip.entry("scene/band-1.tif", real);
        JsonNode manifest = harvest(zip, Map.of());

        assertThat(Files.readAllBytes(delivered("scene/band-1.tif"))).isEqualTo(real);
        Map<String, String> refused = refusals(manifest);
        assertThat(refused).hasSize(20);
        assertThat(refused.values()).allSatisfy(reason -> assertThat(reason).contains("maxEntryRatio"));
        assertThat(delivered("bomb")).as("bytes of the bomb in the sink").satisfiesAnyOf(
                folder -> assertThat(folder).doesNotExist(), folder -> assertThat(folder).isEmptyDirectory());
        assertThat(manifest.get("fileCount").asInt()).isEqualTo(1);
    }

    @Test
    void anEntryLyingAboutItsSizeIsStoppedAtWhatItDeclaresAndTheEntriesAfterItAreDelivered() throws Exception {
        byte[] before = random(50_000, 2);
        byte[] after = random(70_000, 3);
        TestZip zip = new TestZip().entry("a/before.bin", before).lying("a/liar.bin", random(10 * MIB, 4), 1_000)
                .entry("a/after.bin", after);
        JsonNode manifest = harvest(zip, Map.of());

        assertThat(Files.readAllBytes(delivered("a/before.bin"))).isEqualTo(before);
        assertThat(Files.readAllBytes(delivered("a/after.bin"))).isEqualTo(after);
        assertThat(delivered("a/liar.bin")).doesNotExist();
        assertThat(refusals(manifest)).containsOnlyKeys("package.zip!/a/liar.bin");
        assertThat(refusals(manifest).get("package.zip!/a/liar.bin")).contains("declares 1,000 bytes but holds more");
    }

    @Test
    void entriesPastTheCountAndBytesPastTheTotalAreRefusedEachWithItsReason() throws Exception {
        TestZip zip = new TestZip();
        List<byte[]> entries = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            entries.add(random(300_000, 10 + i));
            zip.entry("e/" + i + ".bin", entries.get(i));
        }
        JsonNode manifest = harvest(zip, Map.of("harvester.max-archive-entries", "5",
                "harvester.max-archive-bytes", "1000000"));

        // 300,000 bytes each: three fit in 1,000,000, the fourth reaches it, the fifth finds it spent, the sixth is
        // past the count.
        for (int i = 0; i < 3; i++) {
            assertThat(Files.readAllBytes(delivered("e/" + i + ".bin"))).isEqualTo(entries.get(i));
        }
        Map<String, String> refused = refusals(manifest);
        assertThat(refused).containsOnlyKeys("package.zip!/e/3.bin", "package.zip!/e/4.bin", "package.zip!/e/5.bin");
        assertThat(refused.get("package.zip!/e/3.bin")).contains("maxArchiveBytes").contains("stopped there");
        assertThat(refused.get("package.zip!/e/4.bin")).contains("maxArchiveBytes");
        assertThat(refused.get("package.zip!/e/5.bin")).contains("maxArchiveEntries");
        for (int i = 3; i < 6; i++) {
            assertThat(delivered("e/" + i + ".bin")).doesNotExist();
        }
    }

    /**
     * An entry that fails for a reason no limit names (it is corrupt) counts against itself: the package is fetched
     * again until the entry is parked, then not again, and the entries after it are delivered meanwhile.
     */
    @Test
    void anEntryThatKeepsFailingIsParkedAndThePackageIsNotFetchedAgainForEver() throws Exception {
        byte[] zip = new TestZip().entry("a/first.bin", random(50_000, 5)).entry("a/corrupt.bin", random(80_000, 6))
                .entry("a/last.bin", random(30_000, 7)).bytes();
        // A flipped bit inside the second entry's deflated bytes: it inflates to other bytes, or not at all.
        zip[50_000 + 40_000] ^= 0x10;
        api.packageFor(job.id(), zip);
        Map<String, String> settings = RunningHarvester.settings(simulator, dir);
        settings.put("pixxel.job-ids", job.id());
        settings.put("harvester.max-file-attempts", "3");
        try (CapturedLog log = CapturedLog.attach(); RunningHarvester harvester = RunningHarvester.start(settings)) {
            JobOutputsConsumer consumer = (JobOutputsConsumer) harvester.context().getRoute("pixxel-to-directory")
                    .getConsumer();
            await().atMost(Duration.ofSeconds(60)).until(() -> consumer.jobPhase(job.id()) == JobPhase.PARKED);
            assertThat(consumer.getParkedFiles()).singleElement().asString().contains("a/corrupt.bin")
                    .contains("corrupt");
            assertThat(log.lines()).filteredOn(line -> line.contains("parked after"))
                    .singleElement().asString().contains(job.id());
        }
        assertThat(simulator.downloads(NAME, job.id(), PixxelApi.PACKAGE)).as("package downloads").isEqualTo(3);
        assertThat(Files.readAllBytes(delivered("a/first.bin"))).isEqualTo(random(50_000, 5));
        assertThat(Files.readAllBytes(delivered("a/last.bin"))).isEqualTo(random(30_000, 7));
        assertThat(delivered("a/corrupt.bin")).doesNotExist();
    }
}

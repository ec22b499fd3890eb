package dev.jobharvester.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobharvester.durability.FailingDisk;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that accepts writes and fails them at writeback, as failing disks and full thin volumes do: a commit must
 * report every file whose bytes or inode did not reach the disk as failed, and leave it without its final name; every
 * file it reports written must be whole when read back from the disk, once mended. Writes around the page cache fail
 * at once instead, and must fail their file the same way.
 */
class FailedWritebackTest {

    private static final int FILE_BYTES = 512 * 1024;

    @TempDir
    Path dir;

    @Test
    void filesWhoseWritebackFailedAreFailedAndTheOthersAreWholeOnTheDisk() throws Exception {
        ExecutorService syncs = Executors.newFixedThreadPool(4);
        try (FailingDisk disk = FailingDisk.mount(dir, "8m", 64L << 20)) {
            DirectoryWriter writer = new DirectoryWriter(Files.createDirectories(disk.root().resolve("sink")),
                    ".inprogress-", true, syncs);
            Map<Path, byte[]> bodies = new HashMap<>();
            Random random = new Random(14);
            List<DirectoryWriter.Staged> fitting = stage(writer, "fits", 4, random, bodies);
            assertThat(writer.commit(fitting)).as("2 MiB of files on a disk with room for 7").isEmpty();
            List<DirectoryWriter.Staged> overflowing = stage(writer, "overflows", 24, random, bodies);
            Map<DirectoryWriter.Staged, IOException> failed = writer.commit(overflowing);
            writer.close();

            assertThat(failed).as("12 MiB more on a disk with room for 5").isNotEmpty();
            for (DirectoryWriter.Staged file : failed.keySet()) {
                assertThat(file.target()).as("a file whose writeback failed").doesNotExist();
            }
            disk.remount();
            List<DirectoryWriter.Staged> all = new ArrayList<>(fitting);
            all.addAll(overflowing);
            for (DirectoryWriter.Staged file : all) {
                if (!failed.containsKey(file)) {
                    assertThat(Files.readAllBytes(file.target())).as(file.target() + ", reported written, read back"
                            + " from the disk").isEqualTo(bodies.get(file.target()));
                }
            }
        } finally {
            syncs.shutdownNow();
        }
    }

    @Test
    void uncachedWritesThatFailFailTheirFileAndTheOthersAreWholeOnTheDisk() throws Exception {
        ExecutorService syncs = Executors.newFixedThreadPool(4);
        try (FailingDisk disk = FailingDisk.mount(dir, "8m", 64L << 20)) {
            Path sink = Files.createDirectories(disk.root().resolve("sink"));
            DirectoryWriter writer = new DirectoryWriter(sink, ".inprogress-", true, syncs, 0);
            Map<Path, byte[]> written = new HashMap<>();
            Random random = new Random(19);
            int failures = 0;
            for (int i = 0; i < 12; i++) {
                byte[] body = new byte[3 * FILE_BYTES + i * (i % 2 == 0 ? 4096 : 4099)]; // some of whole blocks only
                random.nextBytes(body);
                Path target = sink.resolve("uncached/part-" + i + ".bin");
                IOException failed;
                try {
                    DirectoryWriter.Staged file = writer.stage("uncached/part-" + i + ".bin",
                            new ByteArrayInputStream(body));
                    failed = writer.commit(List.of(file)).get(file);
                } catch (IOException e) {
                    failed = e;
                }
                if (failed == null) {
                    written.put(target, body);
                } else {
                    failures++;
                    assertThat(target).as("a file whose uncached write failed").doesNotExist();
                }
            }
            writer.close();

            assertThat(failures).as("18 MiB of files on a disk with room for 7").isPositive();
            assertThat(UncachedWrites.FILES.availablePermits()).as("files around the cache at once, free again")
                    .isEqualTo(UncachedWrites.FILES_AT_ONCE);
            try (Stream<Path> files = Files.list(sink.resolve("uncached"))) {
                assertThat(files).as("temp files left").noneMatch(f -> f.getFileName().toString()
                        .startsWith(".inprogress-"));
            }
            disk.remount();
            for (Map.Entry<Path, byte[]> file : written.entrySet()) {
                assertThat(Files.readAllBytes(file.getKey())).as(file.getKey() + ", reported written, read back from"
                        + " the disk").isEqualTo(file.getValue());
            }
        } finally {
            syncs.shutdownNow();
        }
    }

    private static List<DirectoryWriter.Staged> stage(DirectoryWriter writer, String folder, int count, Random random,
            Map<Path, byte[]> bodies) throws IOException {
        List<DirectoryWriter.Staged> staged = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] body = new byte[FILE_BYTES];
            random.nextBytes(body);
            DirectoryWriter.Staged file = writer.stage(folder + "/part-" + i + ".bin", new ByteArrayInputStream(body));
            bodies.put(file.target(), body);
            staged.add(file);
        }
        return staged;
    }
}

package dev.jobharvester.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real tmpfs of a few hundred KiB mounted for one test, so a disk can really be filled: the kernel answers ENOSPC,
 * short writes included, as a full disk does. Mounting needs root (CI runs as root); elsewhere the test is skipped,
 * except under CI, where a mount that failed must not pass for a test that passed.
 */
public final class SmallFileSystem implements AutoCloseable {

    private final Path mountPoint;

    private SmallFileSystem(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    public static SmallFileSystem mount(Path mountPoint, String size) throws IOException, InterruptedException {
        Files.createDirectories(mountPoint);
        int exit = run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0755", "tmpfs", mountPoint.toString());
        String failed = "cannot mount a tmpfs at " + mountPoint + " (needs root): the full-disk test needs one";
        if ("true".equals(System.getenv("CI"))) {
            assertThat(exit).as(failed).isZero();
        }
        assumeTrue(exit == 0, failed);
        return new SmallFileSystem(mountPoint);
    }

    public Path root() {
        return mountPoint;
    }

    /** Fills what is left with one file, until the kernel says the disk is full; answers the file. */
    public Path fill() throws IOException {
        Path filler = mountPoint.resolve("filler");
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).as("why the filler stopped").contains("No space left");
        }
        return filler;
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        process.getInputStream().transferTo(OutputStream.nullOutputStream());
        return process.waitFor(30, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("umount", "-l", mountPoint.toString());
    }
}

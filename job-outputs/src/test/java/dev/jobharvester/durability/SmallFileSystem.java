package dev.jobharvester.durability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobharvester.machine.Machine;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

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
        int exit = Machine.run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0755", "tmpfs",
                mountPoint.toString());
        Machine.require(exit == 0, "cannot mount a tmpfs at " + mountPoint + " (needs root): the full-disk test needs"
                + " one");
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

    /** Makes the file system this big, as an operator freeing room or growing a volume would. */
    public void grow(String size) throws IOException, InterruptedException {
        assertThat(Machine.run("mount", "-o", "remount,size=" + size, mountPoint.toString())).as("remount").isZero();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Machine.run("umount", "-l", mountPoint.toString());
    }
}

package dev.jobharvester.durability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobharvester.machine.Machine;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A disk whose writes fail the way a failing disk's do: after they were accepted. An ext4 file system in a sparse image
 * on a small tmpfs, mounted through a loop device: a write lands in the page cache at once, and its writeback fails
 * with EIO once the tmpfs is full. Without a journal, so that ext4 goes on after an error, and the hardest case for a
 * writer: an inode lost in a failed writeback is reported to a syncfs, and not to a later fdatasync of its file. Needs
 * root, {@code mkfs.ext4} and loop devices (CI has them); elsewhere the test is skipped, except under CI.
 */
public final class FailingDisk implements AutoCloseable {

    private final Path backing;
    private final Path mountPoint;
    private final Path image;
    private final long size;

    private FailingDisk(Path backing, Path mountPoint, Path image, long size) {
        this.backing = backing;
        this.mountPoint = mountPoint;
        this.image = image;
        this.size = size;
    }

    /**
     * @param room the tmpfs's size ("8m"): what the file system's writes may take before the rest fail
     * @param size the size the file system believes it has (bytes)
     */
    public static FailingDisk mount(Path dir, String room, long size) throws IOException, InterruptedException {
        Path backing = Files.createDirectories(dir.resolve("backing"));
        Path mountPoint = Files.createDirectories(dir.resolve("mounted"));
        Machine.require(Machine.run("mount", "-t", "tmpfs", "-o", "size=" + room, "tmpfs", backing.toString()) == 0,
                "cannot mount a tmpfs at " + backing + " (needs root): the failing-disk test needs one");
        Path image = backing.resolve("disk.img");
        FailingDisk disk = new FailingDisk(backing, mountPoint, image, size);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(size);
        }
        Machine.require(Machine.run("mkfs.ext4", "-q", "-F", "-O", "^has_journal",
                image.toString()) == 0,
                "mkfs.ext4 failed or is missing (Debian: e2fsprogs): the failing-disk test needs it");
        disk.attach();
        return disk;
    }

    private void attach() throws InterruptedException {
        Machine.require(Machine.run("mount", "-o", "loop,errors=continue", image.toString(), mountPoint.toString()) == 0,
                "cannot mount " + image + " through a loop device (needs root and the loop driver)");
    }

    public Path root() {
        return mountPoint;
    }

    /**
     * Mends the disk (the tmpfs grows to hold the whole image, so that the journal's recovery can write) and mounts
     * the file system again: what is read afterwards comes from the disk, not from the cache.
     */
    public void remount() throws InterruptedException {
        assertThat(Machine.run("umount", mountPoint.toString())).as("umount of " + mountPoint).isZero();
        assertThat(Machine.run("mount", "-o", "remount,size=" + (size + (16 << 20)), backing.toString()))
                .as("growing " + backing).isZero();
        attach();
    }

    @Override
    public void close() throws InterruptedException {
        Machine.run("umount", mountPoint.toString());
        Machine.run("umount", "-l", backing.toString());
    }
}

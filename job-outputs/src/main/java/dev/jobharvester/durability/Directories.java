package dev.jobharvester.durability;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Directories the harvester writes into: made one level at a time without following links, and made durable. */
public final class Directories {

    private Directories() {
    }

    /**
     * Makes the directories below {@code root} down to {@code dir}, never passing through a symbolic link or a file
     * (a link planted there would send the bytes outside the tree). Answers every level below the root, top first,
     * whether it was made now or was there.
     *
     * @throws LinkRefusedException when a level is a symbolic link
     */
    public static List<Path> makeBelow(Path root, Path dir) throws IOException {
        List<Path> levels = new ArrayList<>();
        Path current = root;
        for (Path segment : root.relativize(dir)) {
            current = current.resolve(segment);
            // Looked at first: most levels are there already, and a refused mkdir costs an exception.
            if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectory(current);
                } catch (FileAlreadyExistsException e) {
                    if (Files.isSymbolicLink(current)) {
                        throw new LinkRefusedException(current);
                    }
                    if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                        throw new IOException(current + " is a file where a folder is needed");
                    }
                }
            }
            levels.add(current);
        }
        return levels;
    }

    /**
     * A directory of the harvester's own (a spool), made if missing; refused when it is a symbolic link, so that
     * nothing of the harvester's is written where a link points.
     */
    public static Path own(Path dir) throws IOException {
        Files.createDirectories(dir.getParent() == null ? dir : dir.getParent());
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            if (Files.isSymbolicLink(dir)) {
                throw new LinkRefusedException(dir);
            }
        }
        return dir;
    }

    /** fsync of a directory: its entries (names made, renamed, removed) survive a power cut once this returns. */
    public static void sync(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}

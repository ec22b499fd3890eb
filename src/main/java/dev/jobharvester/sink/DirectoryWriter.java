package dev.jobharvester.sink;

import dev.jobharvester.durability.Directories;
import dev.jobharvester.durability.GroupCommit;
import dev.jobharvester.durability.LinkRefusedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Writes files into a directory tree so that a file under its final name is always whole and, with fsync on,
 * survives a power cut before the caller hears it is written:
 * <ol>
 * <li>the bytes go to a temp name beside the file, which is fdatasync'ed (a large file's writeback is started every
 * {@link #WRITEBACK_EVERY} bytes on another thread, so the last sync has little left to do);</li>
 * <li>the temp file is renamed over the final name in one step, so a file already there stays until its whole
 * replacement takes its place;</li>
 * <li>the directory is fsync'ed, one fsync shared by the files renamed into it meanwhile (group commit); so is the
 * parent of every directory on the way the first time this writer meets it, whoever made it, since a file in a
 * directory whose own entry is not durable is lost with it.</li>
 * </ol>
 * Nothing is written through a symbolic link in the tree: such a file is refused. A failed write removes its temp file.
 */
final class DirectoryWriter {

    static final long WRITEBACK_EVERY = 32L << 20;
    private static final int BUFFER_BYTES = 128 * 1024;
    private static final int MAX_NAME_BYTES = 255;
    /** Directories whose group commits are kept; an evicted one only costs a separate fsync. */
    private static final int COMMITS_KEPT = 256;
    /** Directories known durable in their parents; one evicted is only synced once more. */
    private static final int DURABLE_KEPT = 4096;

    private final Path root;
    private final String tempPrefix;
    private final boolean fsync;
    private final ExecutorService writeback;
    private final Map<Path, GroupCommit> directoryCommits = Collections.synchronizedMap(lru(COMMITS_KEPT));
    /** Directories whose entries in their parents this writer has synced. */
    private final Set<Path> durableDirectories = Collections.synchronizedSet(Collections.newSetFromMap(
            lru(DURABLE_KEPT)));

    /** @param writeback runs the early writebacks of large files */
    DirectoryWriter(Path root, String tempPrefix, boolean fsync, ExecutorService writeback) {
        this.root = root.toAbsolutePath().normalize();
        this.tempPrefix = tempPrefix;
        this.fsync = fsync;
        this.writeback = writeback;
    }

    Path root() {
        return root;
    }

    /**
     * Writes a file at a relative name ({@code a/b/c.txt}, always {@code /}-separated) below the root; answers where
     * it is.
     *
     * @throws LinkRefusedException when the name passes through, or is, a symbolic link
     */
    Path write(String relativeName, InputStream body) throws IOException {
        Path target = resolve(relativeName);
        Path dir = target.getParent();
        List<Path> levels = Directories.makeBelow(root, dir);
        if (Files.isSymbolicLink(target)) {
            throw new LinkRefusedException(target);
        }
        Path temp = dir.resolve(tempName(target.getFileName().toString()));
        // A temp file of this name is a crash's leftover: no two writes of one file run at once.
        Files.deleteIfExists(temp);
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                copy(body, out);
                if (fsync) {
                    out.force(false);
                }
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        if (fsync) {
            syncDirectory(dir);
            for (Path level : levels) {
                if (!durableDirectories.contains(level)) {
                    syncDirectory(level.getParent());
                    durableDirectories.add(level);
                }
            }
        }
        return target;
    }

    /** The name below the root; one that is absolute or climbs out of it is refused. */
    Path resolve(String relativeName) {
        if (relativeName == null || relativeName.isEmpty() || relativeName.startsWith("/")
                || relativeName.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a relative file name: '" + relativeName + "'");
        }
        Path target = root;
        for (String segment : relativeName.split("/")) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("the file name '" + relativeName + "' has an empty, '.' or '..'"
                        + " segment");
            }
            target = target.resolve(segment);
        }
        return target;
    }

    /** The temp name beside a file; hashed when the prefix would make it too long for the file system. */
    private String tempName(String name) {
        String temp = tempPrefix + name;
        return temp.getBytes(StandardCharsets.UTF_8).length <= MAX_NAME_BYTES ? temp : tempPrefix + sha256(name);
    }

    private static String sha256(String name) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(name.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void copy(InputStream body, FileChannel out) throws IOException {
        byte[] buffer = new byte[BUFFER_BYTES];
        ByteBuffer wrapped = ByteBuffer.wrap(buffer);
        long written = 0;
        long writebackFrom = 0;
        Future<?> writingBack = null;
        try {
            for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
                wrapped.clear().limit(n);
                while (wrapped.hasRemaining()) {
                    out.write(wrapped);
                }
                written += n;
                if (fsync && written - writebackFrom >= WRITEBACK_EVERY
                        && (writingBack == null || writingBack.isDone())) {
                    writingBack = writeback.submit(() -> {
                        out.force(false);
                        return null;
                    });
                    writebackFrom = written;
                }
            }
            if (writingBack != null) {
                writingBack.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing " + out);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } finally {
            if (writingBack != null) {
                writingBack.cancel(false);
            }
        }
    }

    private void syncDirectory(Path dir) throws IOException {
        directoryCommits.computeIfAbsent(dir, d -> new GroupCommit()).commit(() -> Directories.sync(dir));
    }

    private static <V> Map<Path, V> lru(int kept) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Path, V> eldest) {
                return size() > kept;
            }
        };
    }
}

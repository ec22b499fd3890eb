package dev.jobharvester.sink;

import dev.jobharvester.common.Sha256;
import dev.jobharvester.download.DownloadStream;
import dev.jobharvester.download.VerifiedBody;
import dev.jobharvester.durability.Directories;
import dev.jobharvester.durability.FileSystemSync;
import dev.jobharvester.durability.LinkRefusedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Writes files into a directory tree so that a file under its final name is always whole and, with fsync on,
 * survives a power cut before the caller hears it is written. A file is first <em>staged</em>: its bytes go to a temp
 * name beside it. With fsync on, a large file's bytes past its first {@link #UNCACHED_FROM} go around the page cache
 * where the file system allows ({@link UncachedWrites}), and the file is synced every {@link #WRITEBACK_EVERY} bytes
 * as it goes, so that its sync later has little left to do. Staged files are then <em>committed</em> together:
 * <ol>
 * <li>their data is made durable ({@link DataSync}): by one syncfs of the file system they are on, where Linux
 * offers it and vouches for them (when it fails, they all fail), else by an fdatasync of each, side by side;</li>
 * <li>each is renamed over its final name in one step, so a file already there stays until its whole replacement
 * takes its place;</li>
 * <li>each folder they went into is fsync'ed once, and so is the parent of every folder on the way the first time
 * this writer meets it, whoever made it, since a file in a folder whose own entry is not durable is lost with it.</li>
 * </ol>
 * Committing many files at once costs little more than writing them: one sync of a folder serves all its new files.
 * Nothing is written through a symbolic link in the tree: such a file is refused.
 * <p>
 * A download that breaks leaves its bytes under the temp name when they are worth keeping (a large file, from storage
 * that names its bytes with an ETag or Last-Modified; see {@link KeptPart}), and the next attempt at the file, at the next
 * poll or after a restart, asks storage only for the rest. Any other failed file leaves no temp file.
 */
final class DirectoryWriter {

    static final long WRITEBACK_EVERY = 32L << 20;
    /** Below this a file goes through the page cache whole: an uncached write waits for the disk. */
    static final long UNCACHED_FROM = 8L << 20;
    private static final int BUFFER_BYTES = 128 * 1024;
    /**
     * Each writing thread's copy buffer: one made per file was three quarters of what a small-file job allocated (four
     * jobs of 10,000 files of 64 KiB: 383 young collections taking 1.23 s, against 86 taking 0.39 s).
     */
    private static final ThreadLocal<byte[]> BUFFERS = ThreadLocal.withInitial(() -> new byte[BUFFER_BYTES]);
    private static final int MAX_NAME_BYTES = 255;
    /** How many threads rename a commit's files, {@link #RENAMES_PER_SLICE} or more each. */
    private static final int RENAMING_THREADS = 4;
    private static final int RENAMES_PER_SLICE = 16;
    /** Directories known durable in their parents; one evicted is only synced once more. */
    private static final int DURABLE_KEPT = 4096;

    /**
     * A file whose bytes are all under its temp name, waiting to be committed; with fsync on its channel stays open
     * for the commit's sync, so that the file is not opened again.
     */
    record Staged(Path temp, Path target, List<Path> levels, FileChannel channel, boolean marked,
            FileSystemSync watch) {
    }

    private final Path root;
    private final String tempPrefix;
    private final TempFileSweep sweep;
    private final boolean fsync;
    private final ExecutorService syncs;
    private final long uncachedFrom;
    /** Directories whose entries in their parents this writer has synced. */
    private final Set<Path> durableDirectories = Collections.synchronizedSet(Collections.newSetFromMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Path, Boolean> eldest) {
                    return size() > DURABLE_KEPT;
                }
            }));
    private final DataSync dataSync;

    /**
     * @param syncs runs the fdatasyncs of a commit side by side, the early writebacks of large files and their uncached
     *     writes
     */
    DirectoryWriter(Path root, String tempPrefix, boolean fsync, ExecutorService syncs) {
        this(root, tempPrefix, fsync, syncs, UNCACHED_FROM);
    }

    /** @param uncachedFrom how many bytes of a file go through the page cache before the rest go around it */
    DirectoryWriter(Path root, String tempPrefix, boolean fsync, ExecutorService syncs, long uncachedFrom) {
        this.root = root.toAbsolutePath().normalize();
        this.tempPrefix = tempPrefix;
        this.sweep = new TempFileSweep(tempPrefix);
        this.fsync = fsync;
        this.syncs = syncs;
        this.uncachedFrom = uncachedFrom;
        this.dataSync = new DataSync(this.root, syncs);
    }

    boolean isFsync() {
        return fsync;
    }

    /**
     * Writes a file's bytes under its temp name, at a relative name ({@code a/b/c.txt}, always {@code /}-separated)
     * below the root.
     *
     * @throws LinkRefusedException when the name passes through a symbolic link (a link at the file's own name is
     *     refused by its commit instead)
     */
    Staged stage(String relativeName, InputStream body) throws IOException {
        Path target = resolve(relativeName);
        Path dir = target.getParent();
        List<Path> levels = Directories.makeBelow(root, dir);
        Path temp = dir.resolve(tempName(target.getFileName().toString()));
        FileSystemSync watching = fsync ? dataSync.watch() : null;
        FileChannel out = null;
        boolean marked;
        try {
            Opened opened = open(temp, body);
            out = opened.channel();
            marked = copy(body, out, temp, opened.kept());
            if (!fsync) {
                out.close();
            }
        } catch (IOException | RuntimeException e) {
            if (out != null) {
                out.close();
            }
            if (!keptForLater(body, temp)) {
                Files.deleteIfExists(temp);
            }
            throw e;
        }
        return new Staged(temp, target, levels, fsync ? out : null, marked, watching);
    }

    /** Lets the file system go; files staged after this are synced one by one. */
    void close() {
        dataSync.close();
    }

    /** A temp file open for writing, at its end: {@code kept} bytes an earlier attempt wrote, or none. */
    private record Opened(FileChannel channel, long kept) {
    }

    /**
     * Opens the temp file for writing: anew, which the exclusive create answers in one call when nothing is there
     * (nearly always); else after the bytes an earlier attempt kept, when storage still has them and sends the rest.
     */
    private static Opened open(Path temp, InputStream body) throws IOException {
        try {
            return new Opened(FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 0);
        } catch (FileAlreadyExistsException e) {
            KeptPart.Held held = KeptPart.read(temp);
            if (held != null && body instanceof DownloadStream download) {
                long kept = download.resumeFrom(held.length(), held.validator(),
                        () -> Files.newInputStream(temp, LinkOption.NOFOLLOW_LINKS));
                if (kept > 0) {
                    FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                    out.truncate(kept);
                    return new Opened(out.position(kept), kept);
                }
            }
        }
        // A leftover of no use (no two writes of one file run at once); removed only when met, since an unlink takes
        // the folder's lock that the other lanes' creations and the commit's renames wait for.
        Files.delete(temp);
        return new Opened(FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 0);
    }

    /** Whether a failed file's temp file stays for the next attempt: the download broke, and its bytes are marked. */
    private static boolean keptForLater(InputStream body, Path temp) {
        return body instanceof VerifiedBody verified && verified.failure() != null && KeptPart.read(temp) != null;
    }

    /**
     * Removes the temp files left in a folder's tree (below the root, links not followed): the parts kept for attempts
     * that will not come, once what the folder holds is settled.
     */
    void sweep(String relativeFolder) throws IOException {
        Path folder = resolve(relativeFolder);
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        sweep.removeBelow(folder);
    }

    /** Gives a staged file up: its temp file goes. */
    void abandon(Staged file) {
        fail(file, new IOException("abandoned"), new LinkedHashMap<>());
    }

    /**
     * Commits staged files (see the class); answers the failure of each file that failed, whose temp file is gone.
     * The others are in place, and durable with fsync on.
     */
    Map<Staged, IOException> commit(List<Staged> files) {
        Map<Staged, IOException> failed = new LinkedHashMap<>();
        if (fsync) {
            dataSync.sync(files, failed);
        }
        renameAll(files.stream().filter(file -> !failed.containsKey(file)).toList(), failed);
        if (fsync) {
            syncDirectories(files.stream().filter(file -> !failed.containsKey(file)).toList(), failed);
        }
        return failed;
    }

    /**
     * Renames the files over their final names, a slice each on a few of the sync threads when there are many: the
     * lanes keep creating files in the same folders meanwhile, and each rename waits for the folder's lock behind them
     * (10,000 files of 64 KiB in one folder, renamed by the committer alone: 1.8 s of 3.2 s spent in renames, most of
     * it waiting), while each slice gets its own place in that queue.
     */
    private void renameAll(List<Staged> files, Map<Staged, IOException> failed) {
        int slices = Math.min(RENAMING_THREADS, files.size() / RENAMES_PER_SLICE);
        if (slices <= 1) {
            rename(files, failed);
            return;
        }
        int perSlice = (files.size() + slices - 1) / slices;
        List<CompletableFuture<Map<Staged, IOException>>> outcomes = new ArrayList<>();
        for (int from = 0; from < files.size(); from += perSlice) {
            List<Staged> slice = files.subList(from, Math.min(files.size(), from + perSlice));
            Supplier<Map<Staged, IOException>> renaming = () -> {
                Map<Staged, IOException> sliceFailed = new HashMap<>();
                rename(slice, sliceFailed);
                return sliceFailed;
            };
            try {
                outcomes.add(CompletableFuture.supplyAsync(renaming, syncs));
            } catch (RejectedExecutionException stopping) {
                outcomes.add(CompletableFuture.completedFuture(renaming.get()));
            }
        }
        // Every slice is waited for, even after one threw, so that no rename runs once the commit is over.
        CompletionException thrown = null;
        for (CompletableFuture<Map<Staged, IOException>> outcome : outcomes) {
            try {
                failed.putAll(outcome.join());
            } catch (CompletionException e) {
                thrown = thrown == null ? e : thrown;
            }
        }
        if (thrown != null) {
            throw thrown;
        }
    }

    /**
     * Renames each file over its final name; one that fails is failed in {@code failed}, its temp file gone. A link in
     * its place is refused here, not at staging: looking up a name not yet there waits for the folder's lock behind
     * every lane's creation (20,000 files of 64 KiB in one folder: a quarter of the lanes' time), and with fsync on a
     * lane waits for these threads only once the files awaiting their commit reach its bound; the link also has the
     * least time to appear unseen. Its file's bytes have been fetched by then, which a link planted there costs.
     */
    private static void rename(List<Staged> files, Map<Staged, IOException> failed) {
        for (Staged file : files) {
            try {
                if (Files.isSymbolicLink(file.target())) {
                    fail(file, new LinkRefusedException(file.target()), failed);
                    continue;
                }
                if (file.marked()) {
                    KeptPart.clear(file.temp());
                }
                Files.move(file.temp(), file.target(), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                fail(file, e, failed);
            }
        }
    }

    /** Each folder a file went into, then every new level's parent: once each; a failure fails the files below it. */
    private void syncDirectories(List<Staged> renamed, Map<Staged, IOException> failed) {
        Set<Path> directories = new LinkedHashSet<>();
        for (Staged file : renamed) {
            directories.add(file.target().getParent());
            for (Path level : file.levels()) {
                if (!durableDirectories.contains(level)) {
                    directories.add(level.getParent());
                }
            }
        }
        for (Path dir : directories) {
            try {
                Directories.sync(dir);
            } catch (IOException e) {
                renamed.stream().filter(file -> file.target().startsWith(dir)).forEach(file -> failed.put(file, e));
            }
        }
        for (Staged file : renamed) {
            if (!failed.containsKey(file)) {
                durableDirectories.addAll(file.levels());
            }
        }
    }

    /** Fails a file: its temp file goes. */
    static void fail(Staged file, IOException error, Map<Staged, IOException> failed) {
        failed.put(file, error);
        try {
            if (file.channel() != null) {
                file.channel().close();
            }
            Files.deleteIfExists(file.temp());
        } catch (IOException e) {
            error.addSuppressed(e);
        }
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
        return temp.getBytes(StandardCharsets.UTF_8).length <= MAX_NAME_BYTES ? temp : tempPrefix + Sha256.hex(name);
    }

    /**
     * Copies the body to the end of the temp file. A download's file is marked for a later attempt once it is worth it
     * (with fsync on, the mark says how far the data is durable after each early writeback). Answers whether the file
     * is marked.
     */
    private boolean copy(InputStream body, FileChannel out, Path temp, long kept) throws IOException {
        DownloadStream download = body instanceof DownloadStream stream ? stream : null;
        byte[] buffer = BUFFERS.get();
        BufferFills fills = new BufferFills(body, buffer);
        ByteBuffer wrapped = ByteBuffer.wrap(buffer);
        boolean marked = kept > 0;
        long written = kept;
        long writebackFrom = written;
        Future<?> writingBack = null;
        UncachedWrites uncached = null;
        boolean uncachedAhead = fsync;
        try {
            VerifiedBody lender = body instanceof VerifiedBody verified ? verified : null;
            while (true) {
                int n = uncached != null && lender != null ? fills.nextInto(uncached, lender) : fills.next();
                if (n < 0) {
                    break;
                }
                if (uncached == null) {
                    wrapped.clear().limit(n);
                    while (wrapped.hasRemaining()) {
                        out.write(wrapped);
                    }
                } else if (lender == null) {
                    uncached.write(buffer, 0, n);
                }
                written += n;
                if (uncachedAhead && written >= uncachedFrom) {
                    uncached = UncachedWrites.open(temp, out, syncs);
                    uncachedAhead = false;
                }
                if (!marked && download != null && download.validator() != null && written >= KeptPart.WORTH_KEEPING) {
                    marked = KeptPart.mark(temp, download.validator(), 0);
                }
                if (fsync && written - writebackFrom >= WRITEBACK_EVERY
                        && (writingBack == null || writingBack.isDone())) {
                    long upTo = uncached == null ? written : uncached.done();
                    boolean remark = marked;
                    writingBack = syncs.submit(() -> {
                        out.force(false);
                        if (remark) {
                            KeptPart.mark(temp, download.validator(), upTo);
                        }
                        return null;
                    });
                    writebackFrom = written;
                }
            }
            if (uncached != null) {
                uncached.finish();
            }
            if (writingBack != null) {
                writingBack.get();
            }
            return marked;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing " + out);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } finally {
            if (writingBack != null) {
                writingBack.cancel(false);
            }
            if (uncached != null) {
                uncached.close();
            }
        }
    }

    /**
     * A body read a full buffer at a time, so that a small file is one write, not one per read (the HTTP client's first
     * read ends with its 8 KiB buffer). A read that fails after bytes came hands those over first and throws at the next
     * call: a failed attempt keeps every byte it received.
     */
    private static final class BufferFills {
        private final InputStream body;
        private final byte[] buffer;
        private IOException failed;
        private boolean ended;

        BufferFills(InputStream body, byte[] buffer) {
            this.body = body;
            this.buffer = buffer;
        }

        /** The body's next bytes, as many as one read gives, read straight into a file's uncached chunks. */
        int nextInto(UncachedWrites uncached, VerifiedBody lender) throws IOException {
            if (failed != null) {
                throw failed;
            }
            int n = ended ? -1 : uncached.read(lender);
            ended = n < 0;
            return n;
        }

        /** How many bytes the buffer holds from its start; -1 once the body has ended. */
        int next() throws IOException {
            if (failed != null) {
                throw failed;
            }
            int n = 0;
            try {
                while (n < buffer.length && !ended) {
                    int read = body.read(buffer, n, buffer.length - n);
                    if (read < 0) {
                        ended = true;
                    } else {
                        n += read;
                    }
                }
            } catch (IOException e) {
                if (n == 0) {
                    throw e;
                }
                failed = e;
            }
            return n > 0 ? n : -1;
        }
    }
}

package dev.jobharvester.ledger;

import dev.jobharvester.durability.Directories;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only file of lines that keeps what it acknowledged through crashes, power cuts and full disks. A line is
 * written whole or not at all: a write that fails is cut off again, and the journal takes no line until a probe
 * write succeeds ({@link #retryWrites()}). A line survives the process being killed once {@link #append} returns,
 * and a power cut once {@link #sync()} returns: one fdatasync shared by every line written before it (group commit),
 * run by a thread of the journal's own as lines come, so no writer waits for it. A tail a crash left unreadable was
 * never synced, so never acknowledged: it is cut off at open with one warning. One process writes a journal: a lock
 * file beside it names the holder.
 * <p>
 * Over 300 lines because each failure of the disk (short write, full disk, torn tail, second writer) has its answer
 * here, beside the write it answers for.
 */
final class LineJournal {

    /** Takes each line read back at open; answers false for a line that is not a record (torn, zeros). */
    @FunctionalInterface
    interface Lines {
        boolean accept(byte[] line, long offset) throws IOException;
    }

    /** Writes the lines of a rewritten journal; answers how many bytes it wrote. */
    @FunctionalInterface
    interface Rewrite {
        long write(OutputStream out) throws IOException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(LineJournal.class);
    /** As long as a file system block: a disk with room for it has room for several lines. */
    private static final byte[] PROBE = probe();

    private final Path file;
    private final boolean fsync;
    private final Object unsynced = new Object();
    /** Held by the one caller forcing the file: callers queued behind it find their lines covered and return. */
    private final Object forcing = new Object();
    private FileChannel channel;
    /** Reads lines back by position; an append-only channel cannot. */
    private FileChannel reader;
    private FileChannel lockChannel;
    private Thread syncer;
    /** Where the next line goes: the length of the file's good lines. */
    private volatile long end;
    /** How much of the file the last completed sync covered. */
    private volatile long syncedEnd = -1;
    /** Why the last write failed, or null while lines can be written. */
    private volatile String writeFailure;

    /** @param fsync whether {@link #sync()} makes lines durable (off only for scratch disks) */
    LineJournal(Path file, boolean fsync) {
        this.file = file;
        this.fsync = fsync;
    }

    Path file() {
        return file;
    }

    /** Reads the lines of a journal without taking it or changing it: an unreadable tail is only left out. */
    static void read(Path file, Lines lines) throws IOException {
        new LineJournal(file, false).replay(lines, false);
    }

    /** Takes the journal for writing: the lock first, then every line read back, an unreadable tail cut off. */
    synchronized void open(Lines lines) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        lock();
        if (Files.exists(file)) {
            replay(lines, true);
        }
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        if (fsync) {
            // Lines a killed process wrote may still be only in the page cache: durable before anything builds on them,
            // and before the syncing thread starts, so that it never forces a file a compaction is replacing.
            channel.force(false);
            syncedEnd = end;
            syncer = new Thread(this::syncAsWritten, "job-outputs-ledger-sync-" + file.getFileName());
            syncer.setDaemon(true);
            syncer.start();
        }
    }

    /**
     * Takes the lock file beside the journal, or fails naming the process that holds it: two writers would each keep
     * their own index, and one's compaction would drop the other's lines.
     */
    private void lock() throws IOException {
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String holder = new String(Files.readAllBytes(lockFile), StandardCharsets.UTF_8).trim();
            lockChannel.close();
            lockChannel = null;
            throw new LedgerLockedException("the ledger " + file + " is in use by " + (holder.isEmpty()
                    ? "another process" : holder) + "; one process at a time writes a ledger: stop that one, or give"
                    + " this one another data directory");
        }
        try {
            lockChannel.truncate(0);
            lockChannel.write(ByteBuffer.wrap(("process " + ManagementFactory.getRuntimeMXBean().getName()
                    + " (pid@host), since " + Instant.now() + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            // The lock holds all the same; only the name another process would be shown is missing (a full disk).
            LOG.debug("cannot write the holder into {}: {}", lockFile, e.getMessage());
        }
    }

    /** The syncing thread: waits for unsynced lines, syncs them, and after a failure waits before it tries again. */
    private void syncAsWritten() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                synchronized (unsynced) {
                    while (syncedEnd >= end) {
                        unsynced.wait();
                    }
                }
                try {
                    sync();
                } catch (LedgerFailureException e) {
                    // Told by writeFailure(); the pipeline's next poll tries a write again.
                    Thread.sleep(1_000);
                } catch (IllegalStateException closed) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // Closed.
        }
    }

    /** Syncs what is written, then lets the file and its lock go. */
    void close() throws IOException, InterruptedException {
        if (syncer != null) {
            syncer.interrupt();
            syncer.join();
            syncer = null;
        }
        if (channel != null && writeFailure == null) {
            try {
                sync();
            } catch (LedgerFailureException e) {
                LOG.warn("{} at stop: the last records may be lost to a power cut, and delivered again", e.getMessage());
            }
        }
        synchronized (this) {
            if (channel != null) {
                channel.close();
                channel = null;
            }
            closeReader();
            if (lockChannel != null) {
                // Closing releases the lock; the file stays, as removing it would race with the next holder.
                lockChannel.close();
                lockChannel = null;
            }
        }
    }

    private void closeReader() throws IOException {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }

    private FileChannel requireChannel() {
        if (channel == null) {
            throw new IllegalStateException("the ledger " + file + " is not started");
        }
        return channel;
    }

    /**
     * Appends a line (with its newline) whole, or not at all: a write cut short (a full disk) is cut off the file
     * again, and nothing more is written until {@link #retryWrites()} succeeds. Answers where the line starts.
     */
    synchronized long append(byte[] line) {
        FileChannel lines = requireChannel();
        if (writeFailure != null) {
            throw new LedgerFailureException(writeFailure, null);
        }
        long start = end;
        try {
            ByteBuffer bytes = ByteBuffer.wrap(line);
            while (bytes.hasRemaining()) {
                lines.write(bytes);
            }
            end = start + line.length;
        } catch (IOException e) {
            writeFailure = "cannot write to the ledger " + file + ": " + e.getMessage();
            cutBackTo(start);
            throw new LedgerFailureException(writeFailure, e);
        }
        if (fsync) {
            synchronized (unsynced) {
                unsynced.notifyAll();
            }
        }
        return start;
    }

    /** Cuts off what a failed write left; if even that fails, retryWrites() cuts it before anything is written. */
    private void cutBackTo(long length) {
        try {
            requireChannel().truncate(length);
        } catch (IOException stillFailing) {
            LOG.debug("cannot cut the ledger {} back to {} bytes yet: {}", file, length, stillFailing.getMessage());
        }
    }

    /**
     * Makes every line written so far survive a power cut: one fdatasync, shared by the callers waiting meanwhile
     * (group commit): a caller whose lines the last force already covered returns without forcing again.
     */
    void sync() {
        long wanted = end;
        if (!fsync || syncedEnd >= wanted) {
            return;
        }
        synchronized (forcing) {
            if (syncedEnd >= wanted) {
                return;
            }
            FileChannel lines;
            long upTo;
            synchronized (this) {
                lines = requireChannel();
                upTo = end;
            }
            try {
                lines.force(false);
            } catch (IOException e) {
                writeFailure = "cannot sync the ledger " + file + ": " + e.getMessage();
                throw new LedgerFailureException(writeFailure, e);
            }
            syncedEnd = upTo;
        }
    }

    String writeFailure() {
        return writeFailure;
    }

    /** After a failed write, writes a probe and cuts it off again: answers whether lines can be written now. */
    synchronized boolean retryWrites() {
        if (writeFailure == null) {
            return true;
        }
        try {
            requireChannel().truncate(end);
            ByteBuffer probe = ByteBuffer.wrap(PROBE);
            while (probe.hasRemaining()) {
                requireChannel().write(probe);
            }
            requireChannel().truncate(end);
            if (fsync) {
                requireChannel().force(false);
            }
            writeFailure = null;
            return true;
        } catch (IOException e) {
            writeFailure = "cannot write to the ledger " + file + ": " + e.getMessage();
            cutBackTo(end);
            return false;
        }
    }

    /** A ledger record of its own kind, which replay ignores should a crash leave it in the file. */
    private static byte[] probe() {
        String head = "{\"op\":\"probe\",\"pad\":\"";
        return (head + " ".repeat(4096 - head.length() - 3) + "\"}\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The line starting at a position, with its newline. A line once written never changes: no lock is held. */
    byte[] lineAt(long offset) throws IOException {
        FileChannel lines;
        synchronized (this) {
            if (reader == null) {
                reader = FileChannel.open(file, StandardOpenOption.READ);
            }
            lines = reader;
        }
        ByteBuffer buffer = ByteBuffer.allocate(512);
        int scanned = 0;
        while (true) {
            int n = lines.read(buffer, offset + buffer.position());
            byte[] read = buffer.array();
            for (; scanned < buffer.position(); scanned++) {
                if (read[scanned] == '\n') {
                    return Arrays.copyOf(read, scanned + 1);
                }
            }
            if (n < 0) {
                throw new IOException("the line at byte " + offset + " of " + file + " has no end");
            }
            if (!buffer.hasRemaining()) {
                buffer = ByteBuffer.allocate(buffer.capacity() * 2).put(buffer.flip());
            }
        }
    }

    /**
     * Replaces the journal's lines with those {@code rewrite} writes: a new file, synced, renamed over the old one in
     * one step (and its folder synced), so a crash leaves one or the other whole.
     */
    synchronized void rewrite(Rewrite rewrite) throws IOException {
        Path next = file.resolveSibling(file.getFileName() + ".compact");
        long written;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(next), 1 << 16)) {
            written = rewrite.write(out);
        }
        try (FileChannel sync = FileChannel.open(next, StandardOpenOption.WRITE)) {
            sync.force(true);
        }
        requireChannel().close();
        closeReader();
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (fsync) {
            Directories.sync(file.getParent());
        }
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        end = written;
        syncedEnd = written;
    }

    /**
     * Reads the lines back. A tail that cannot be read (a line cut short, or the zeros a power cut can leave where
     * unsynced lines were) held nothing acknowledged: it is left out, and with {@code repair} cut off the file. An
     * unreadable line followed by good ones is damage, not a crash: then nothing is guessed.
     */
    private void replay(Lines lines, boolean repair) throws IOException {
        long goodBytes = 0;
        int lineNumber = 0;
        int badLine = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream current = new ByteArrayOutputStream();
            for (int b = in.read(); b >= 0; b = in.read()) {
                if (b != '\n') {
                    current.write(b);
                    continue;
                }
                lineNumber++;
                boolean record;
                try {
                    record = lines.accept(current.toByteArray(), goodBytes);
                } catch (IOException | RuntimeException e) {
                    throw new IOException("the ledger " + file + " is damaged at line " + lineNumber + ": "
                            + e.getMessage(), e);
                }
                if (!record) {
                    badLine = badLine == 0 ? lineNumber : badLine;
                } else if (badLine != 0) {
                    throw new IOException("the ledger " + file + " is damaged at line " + badLine + " (not a ledger"
                            + " record), with good records after it; move it aside to start afresh (every file is"
                            + " then delivered again)");
                } else {
                    goodBytes += current.size() + 1;
                }
                current.reset();
            }
        }
        end = goodBytes;
        long size = Files.size(file);
        if (goodBytes < size) {
            LOG.warn("the ledger {} ends in {} bytes that a crash left unfinished (from line {}): {}", file,
                    size - goodBytes, badLine == 0 ? lineNumber + 1 : badLine,
                    repair ? "cut off; what they recorded was never acknowledged and is done again"
                            : "left out of this report");
            if (repair) {
                try (FileChannel truncate = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    truncate.truncate(goodBytes);
                    truncate.force(false);
                }
            }
        }
    }
}

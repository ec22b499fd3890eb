package dev.jobharvester.ledger;

import static dev.jobharvester.component.SinkNames.MANIFEST;
import static dev.jobharvester.component.SinkNames.jobKeyOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jobharvester.durability.Directories;
import dev.jobharvester.durability.GroupCommit;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded ledger: an append-only file of JSON lines under the data directory, replayed at start. Memory holds
 * only an index: for each file of a job not complete yet, its kind and where its line is; the records themselves
 * are read back from the file when a manifest or a report needs them. Once a job is complete only its completion is
 * kept, so memory and the file grow with the number of jobs, not files.
 *
 * <p>A line is written whole or not at all: a write that fails (a full disk) is cut off again, and the ledger
 * reports itself unwritable until a probe write succeeds. A line survives the process being killed once its write
 * returns, and a power cut once {@link #sync()} returns (one fdatasync shared by every line written before it); a
 * thread of the ledger's own syncs new lines as they come, so none waits long unsynced and no writer waits for it. A
 * tail that a crash left unreadable was never synced, so never acknowledged: it is cut off at start with a warning,
 * which means "deliver again", never "lost". One process writes a ledger: a lock file beside it names the holder.
 */
public class FileLedger extends ServiceSupport implements Ledger, IdempotentRepository {

    private static final Logger LOG = LoggerFactory.getLogger(FileLedger.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int COMPACT_AFTER_OBSOLETE_LINES = 10_000;
    /** A probe as long as a file system block: a disk with room for it has room for several records. */
    private static final byte[] PROBE = probeLine();

    private final Path file;
    private final boolean fsync;
    private final GroupCommit syncs = new GroupCommit();
    private final Map<String, JobEntry> jobs = new HashMap<>();
    private final Set<String> otherKeys = new HashSet<>();
    private FileChannel channel;
    /** Reads lines back by position; an append-only channel cannot. */
    private FileChannel reader;
    /** Where the next line goes: the length of the file's good lines. */
    private volatile long end;
    /** How much of the file the last completed sync covered. */
    private volatile long syncedEnd = -1;
    private long obsoleteLines;
    /** Why the last write failed, or null while lines can be written. */
    private volatile String writeFailure;
    private FileChannel lockChannel;
    /** Syncs lines as they are written; null without fsync. */
    private Thread syncer;
    private final Object unsynced = new Object();

    /** @param fsync whether {@link #sync()} makes lines durable (off only for scratch disks) */
    public FileLedger(Path file, boolean fsync) {
        this.file = file;
        this.fsync = fsync;
    }

    public Path file() {
        return file;
    }

    @Override
    public String toString() {
        return "file " + file;
    }

    /** The ledger as it is on disk, for reading only: nothing is written, a line cut short is only left out. */
    public static FileLedger read(Path file) throws IOException {
        FileLedger ledger = new FileLedger(file, false);
        synchronized (ledger) {
            ledger.replay(false);
        }
        return ledger;
    }

    /** The jobs recorded, complete or not, in no particular order. */
    public synchronized List<String> jobKeys() {
        return new ArrayList<>(jobs.keySet());
    }

    @Override
    protected synchronized void doStart() throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        lock();
        if (Files.exists(file)) {
            replay(true);
        }
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        if (obsoleteLines > COMPACT_AFTER_OBSOLETE_LINES) {
            compact();
        }
        if (fsync) {
            syncer = new Thread(this::syncAsWritten, "job-outputs-ledger-sync-" + file.getFileName());
            syncer.setDaemon(true);
            syncer.start();
        }
    }

    /** The syncing thread: waits for unsynced lines, syncs them, and after a failure waits before it tries again. */
    private void syncAsWritten() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                synchronized (unsynced) {
                    while (syncedEnd == end) {
                        unsynced.wait();
                    }
                }
                try {
                    sync();
                } catch (LedgerFailureException e) {
                    // Told by writeFailure(); the pipeline's next poll tries a write again.
                    Thread.sleep(1_000);
                } catch (IllegalStateException stopped) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // Stopped.
        }
    }

    /**
     * Takes the lock file beside the ledger, or fails naming the process that holds it: two writers would each keep
     * their own index, and one's compaction would drop the other's records.
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

    @Override
    protected void doStop() throws IOException, InterruptedException {
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
            closeAll();
        }
    }

    private void closeAll() throws IOException {
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

    /**
     * Makes every line written so far survive a power cut: one fdatasync, shared by the callers waiting meanwhile
     * (group commit). A manifest is built only from synced lines.
     */
    @Override
    public void sync() {
        if (!fsync || syncedEnd == end) {
            return;
        }
        try {
            syncs.commit(() -> {
                FileChannel lines;
                long upTo;
                synchronized (this) {
                    lines = requireChannel();
                    upTo = end;
                }
                lines.force(false);
                syncedEnd = upTo;
            });
        } catch (IOException e) {
            writeFailure = "cannot sync the ledger " + file + ": " + e.getMessage();
            throw new LedgerFailureException(writeFailure, e);
        }
    }

    @Override
    public String writeFailure() {
        return writeFailure;
    }

    /** After a failed write, writes a probe and cuts it off again: answers whether lines can be written now. */
    @Override
    public synchronized boolean retryWrites() {
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

    private static byte[] probeLine() {
        String head = "{\"op\":\"probe\",\"pad\":\"";
        return (head + " ".repeat(4096 - head.length() - 3) + "\"}\n").getBytes(StandardCharsets.UTF_8);
    }

    private void closeReader() throws IOException {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }

    @Override
    public synchronized void delivered(DeliveredFile delivered) {
        ObjectNode line = fileLine(delivered);
        apply(line, append(line));
    }

    @Override
    public void forEachFile(String jobKey, DeliveredFile.Kind kind, Consumer<DeliveredFile> action) {
        long[] offsets;
        FileChannel lines;
        synchronized (this) {
            JobEntry entry = jobs.get(jobKey);
            if (entry == null) {
                return;
            }
            offsets = entry.files.entrySet().stream().filter(file -> file.getValue().kind() == kind)
                    .sorted(Map.Entry.comparingByKey()).mapToLong(file -> file.getValue().offset()).toArray();
            lines = reader();
        }
        // A line once written never changes: the records are read without holding up deliveries meanwhile.
        for (long offset : offsets) {
            action.accept(record(readLine(lines, offset)));
        }
    }

    @Override
    public synchronized int countFiles(String jobKey, DeliveredFile.Kind kind) {
        JobEntry entry = jobs.get(jobKey);
        return entry == null ? 0 : (int) entry.files.values().stream().filter(line -> line.kind() == kind).count();
    }

    @Override
    public synchronized boolean isDelivered(String jobKey, String path) {
        JobEntry entry = jobs.get(jobKey);
        return entry != null && (entry.complete || entry.files.containsKey(path));
    }

    @Override
    public synchronized Map<String, DeliveredFile.Kind> recorded(String jobKey, Collection<String> paths) {
        JobEntry entry = jobs.get(jobKey);
        Map<String, DeliveredFile.Kind> kinds = new HashMap<>();
        if (entry != null) {
            for (String path : paths) {
                Line line = entry.files.get(path);
                if (line != null) {
                    kinds.put(path, line.kind());
                }
            }
        }
        return kinds;
    }

    @Override
    public boolean forgetFile(String jobKey, String path) {
        return remove(jobKey + "/" + path);
    }

    /** One instance writes a file ledger: every claim is granted. */
    @Override
    public Optional<Lease> claim(String jobKey) {
        return Optional.of(Lease.sole());
    }

    @Override
    public void jobComplete(String jobKey) {
        add(jobKey + "/" + MANIFEST);
    }

    @Override
    public synchronized boolean forgetJob(String jobKey) {
        if (!jobs.containsKey(jobKey)) {
            return false;
        }
        appendRemove(jobKey + "/" + MANIFEST);
        return true;
    }

    @Override
    public synchronized boolean isJobComplete(String jobKey) {
        JobEntry entry = jobs.get(jobKey);
        return entry != null && entry.complete;
    }

    @Override
    public synchronized boolean add(String key) {
        if (contains(key)) {
            return false;
        }
        String jobKey = jobKeyOf(key);
        String path = jobKey == null ? null : key.substring(jobKey.length() + 1);
        if (path != null && !path.equals(MANIFEST)) {
            delivered(new DeliveredFile(jobKey, path, DeliveredFile.Kind.SKIPPED, -1, null, path, null, Instant.now()));
            return true;
        }
        ObjectNode line = path == null
                ? JSON.createObjectNode().put("op", "key").put("key", key)
                : completeLine(jobKey);
        apply(line, append(line));
        return true;
    }

    @Override
    public synchronized boolean contains(String key) {
        String jobKey = jobKeyOf(key);
        if (jobKey == null) {
            return otherKeys.contains(key);
        }
        String path = key.substring(jobKey.length() + 1);
        return path.equals(MANIFEST) ? isJobComplete(jobKey) : isDelivered(jobKey, path);
    }

    /**
     * Forgets a file of a job that is not complete yet, or, given a manifest key, the whole job so that it is
     * harvested again. A single file of a complete job is not tracked any more: answers false.
     */
    @Override
    public synchronized boolean remove(String key) {
        if (!contains(key)) {
            return false;
        }
        String jobKey = jobKeyOf(key);
        if (jobKey != null && isJobComplete(jobKey) && !key.endsWith("/" + MANIFEST)) {
            return false;
        }
        appendRemove(key);
        return true;
    }

    private void appendRemove(String key) {
        ObjectNode line = JSON.createObjectNode().put("op", "remove").put("key", key);
        apply(line, append(line));
    }

    @Override
    public boolean confirm(String key) {
        return true;
    }

    @Override
    public synchronized void clear() {
        jobs.clear();
        otherKeys.clear();
        obsoleteLines = 0;
        end = 0;
        try {
            channel.truncate(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear the ledger " + file, e);
        }
    }

    private static ObjectNode fileLine(DeliveredFile f) {
        return JSON.createObjectNode().put("op", "file").put("job", f.jobKey()).put("path", f.path())
                .put("kind", f.kind().name()).put("size", f.size()).put("sha256", f.sha256())
                .put("source", f.sourcePath()).put("note", f.note()).put("at", f.deliveredAt().toString());
    }

    private static ObjectNode completeLine(String jobKey) {
        return JSON.createObjectNode().put("op", "complete").put("job", jobKey).put("at", Instant.now().toString());
    }

    private static DeliveredFile record(JsonNode line) {
        String path = line.path("path").asText();
        return new DeliveredFile(line.path("job").asText(), path, kind(line), line.path("size").asLong(-1),
                textOrNull(line, "sha256"), line.path("source").asText(path), textOrNull(line, "note"),
                Instant.parse(line.path("at").asText()));
    }

    private static DeliveredFile.Kind kind(JsonNode line) {
        return DeliveredFile.Kind.valueOf(line.path("kind").asText("FILE"));
    }

    /** @param offset where the line starts in the file */
    private void apply(JsonNode line, long offset) {
        String op = line.path("op").asText();
        switch (op) {
            case "file" -> {
                JobEntry entry = jobs.computeIfAbsent(line.path("job").asText(), k -> new JobEntry());
                if (entry.files.put(line.path("path").asText(), new Line(offset, kind(line))) != null) {
                    obsoleteLines++;
                }
            }
            case "complete" -> {
                JobEntry entry = jobs.computeIfAbsent(line.path("job").asText(), k -> new JobEntry());
                obsoleteLines += entry.files.size();
                entry.files.clear();
                entry.complete = true;
            }
            case "key" -> otherKeys.add(line.path("key").asText());
            case "remove" -> applyRemove(line.path("key").asText());
            // A probe cut short by a crash: it records nothing.
            case "probe" -> obsoleteLines++;
            default -> throw new IllegalArgumentException("unknown ledger operation '" + op + "'");
        }
    }

    private static String textOrNull(JsonNode line, String field) {
        JsonNode node = line.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }

    private void applyRemove(String key) {
        obsoleteLines += 2;
        String jobKey = jobKeyOf(key);
        if (jobKey == null) {
            otherKeys.remove(key);
        } else if (key.endsWith("/" + MANIFEST)) {
            jobs.remove(jobKey);
        } else if (jobs.containsKey(jobKey)) {
            jobs.get(jobKey).files.remove(key.substring(jobKey.length() + 1));
        }
    }

    private FileChannel requireChannel() {
        if (channel == null) {
            throw new IllegalStateException("the ledger " + file + " is not started");
        }
        return channel;
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
     * Appends a line whole, or not at all: a write cut short (a full disk) is cut off the file again, and nothing
     * more is written until {@link #retryWrites()} succeeds. Answers where the line starts.
     */
    private long append(ObjectNode line) {
        FileChannel lines = requireChannel();
        if (writeFailure != null) {
            throw new LedgerFailureException(writeFailure, null);
        }
        long start = end;
        try {
            ByteBuffer bytes = ByteBuffer.wrap(encoded(line));
            while (bytes.hasRemaining()) {
                lines.write(bytes);
            }
            end = start + bytes.limit();
            if (fsync) {
                synchronized (unsynced) {
                    unsynced.notifyAll();
                }
            }
            return start;
        } catch (IOException e) {
            writeFailure = "cannot write to the ledger " + file + ": " + e.getMessage();
            cutBackTo(start);
            throw new LedgerFailureException(writeFailure, e);
        }
    }

    /** A line with its newline, as it is written to the file. */
    private static byte[] encoded(ObjectNode line) throws IOException {
        return (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The channel lines are read back through, opened at the first read. */
    private FileChannel reader() {
        if (reader == null) {
            try {
                reader = FileChannel.open(file, StandardOpenOption.READ);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the ledger " + file + ": " + e.getMessage(), e);
            }
        }
        return reader;
    }

    private JsonNode readLine(FileChannel lines, long offset) {
        try {
            return JSON.readTree(lineBytes(lines, offset));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ledger " + file + " at byte " + offset + ": "
                    + e.getMessage(), e);
        }
    }

    /** The line starting at a position, with its newline. */
    private static byte[] lineBytes(FileChannel lines, long offset) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(512);
        while (true) {
            int n = lines.read(buffer, offset + buffer.position());
            for (int i = 0; i < buffer.position(); i++) {
                if (buffer.get(i) == '\n') {
                    byte[] line = new byte[i + 1];
                    buffer.get(0, line);
                    return line;
                }
            }
            if (n < 0) {
                throw new IOException("the line has no end");
            }
            if (!buffer.hasRemaining()) {
                buffer = ByteBuffer.allocate(buffer.capacity() * 2).put(buffer.flip());
            }
        }
    }

    /**
     * Reads the lines back into the index. A tail that cannot be read (a line cut short, or the zeros a power cut can
     * leave where unsynced lines were) held nothing acknowledged: it is left out, and with {@code repair} cut off the
     * file. An unreadable line followed by good ones is damage, not a crash: then nothing is guessed.
     *
     * @param repair whether to cut an unreadable tail off the file
     */
    private void replay(boolean repair) throws IOException {
        long goodBytes = 0;
        int lineNumber = 0;
        int badLine = 0;
        String badReason = null;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream current = new ByteArrayOutputStream();
            for (int b = in.read(); b >= 0; b = in.read()) {
                if (b != '\n') {
                    current.write(b);
                    continue;
                }
                lineNumber++;
                JsonNode line = parsed(current.toByteArray());
                if (line == null) {
                    if (badLine == 0) {
                        badLine = lineNumber;
                        badReason = "not a ledger record";
                    }
                } else if (badLine != 0) {
                    throw new IOException("the ledger " + file + " is damaged at line " + badLine + " (" + badReason
                            + "), with good records after it; move it aside to start afresh (every file is then"
                            + " delivered again)");
                } else {
                    try {
                        apply(line, goodBytes);
                    } catch (RuntimeException e) {
                        throw new IOException("the ledger " + file + " is damaged at line " + lineNumber + ": "
                                + e.getMessage(), e);
                    }
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

    /** A line as a ledger record, or null when it is none (torn, zeros, not JSON, not an object with an op). */
    private static JsonNode parsed(byte[] bytes) {
        try {
            JsonNode line = JSON.readTree(bytes);
            return line != null && line.isObject() && line.hasNonNull("op") ? line : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Rewrites the file with only what is still needed, then swaps it in with an atomic rename. The files' lines are
     * copied as they are; the index moves to their new places only once the new file is in.
     */
    private void compact() throws IOException {
        Path next = file.resolveSibling(file.getFileName() + ".compact");
        Map<Line, Long> moved = new HashMap<>();
        long written = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(next), 1 << 16)) {
            for (String key : otherKeys) {
                written += write(out, JSON.createObjectNode().put("op", "key").put("key", key));
            }
            for (Map.Entry<String, JobEntry> job : jobs.entrySet()) {
                for (Line line : job.getValue().files.values()) {
                    byte[] bytes = lineBytes(reader(), line.offset());
                    out.write(bytes);
                    moved.put(line, written);
                    written += bytes.length;
                }
                if (job.getValue().complete) {
                    written += write(out, completeLine(job.getKey()));
                }
            }
        }
        try (FileChannel sync = FileChannel.open(next, StandardOpenOption.WRITE)) {
            sync.force(true);
        }
        channel.close();
        closeReader();
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (fsync) {
            Directories.sync(file.getParent());
        }
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        for (JobEntry entry : jobs.values()) {
            entry.files.replaceAll((path, line) -> new Line(moved.get(line), line.kind()));
        }
        end = written;
        obsoleteLines = 0;
    }

    private static int write(OutputStream out, ObjectNode line) throws IOException {
        byte[] bytes = encoded(line);
        out.write(bytes);
        return bytes.length;
    }

    /** Where a file's latest record is in the ledger file, and its kind. */
    private record Line(long offset, DeliveredFile.Kind kind) {
    }

    private static final class JobEntry {
        private final Map<String, Line> files = new HashMap<>();
        private boolean complete;
    }
}

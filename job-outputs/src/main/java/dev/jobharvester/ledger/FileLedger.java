package dev.jobharvester.ledger;

import static dev.jobharvester.common.SinkNames.MANIFEST;
import static dev.jobharvester.common.SinkNames.jobKeyOf;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The embedded ledger: JSON lines in a {@link LineJournal} under the data directory, replayed at start. Memory holds
 * only an index: for each file of a job not complete yet, its kind and where its line is (and a delivered file's size
 * and time, which its manifest's totals sum up); the records themselves are read back from the file when a manifest or
 * a report needs them. Once a job is complete only its completion is kept, so memory and the file grow with the number
 * of jobs, not files. What the journal keeps through crashes, power cuts and full disks, the ledger keeps.
 * <p>
 * Over 300 lines because the index, its replay at start and its compaction must agree line for line.
 */
public class FileLedger extends ServiceSupport implements Ledger {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int COMPACT_AFTER_OBSOLETE_LINES = 10_000;

    private final LineJournal journal;
    private final Map<String, JobEntry> jobs = new HashMap<>();
    private long obsoleteLines;

    /** @param fsync whether {@link #sync()} makes records durable (off only for scratch disks) */
    public FileLedger(Path file, boolean fsync) {
        this.journal = new LineJournal(file, fsync);
    }

    public Path file() {
        return journal.file();
    }

    @Override
    public String toString() {
        return "file " + file();
    }

    /** The ledger as it is on disk, for reading only: nothing is written, a line cut short is only left out. */
    public static FileLedger read(Path file) throws IOException {
        FileLedger ledger = new FileLedger(file, false);
        synchronized (ledger) {
            LineJournal.read(file, ledger::replayed);
        }
        return ledger;
    }

    @Override
    public synchronized List<String> jobKeys() {
        return jobs.keySet().stream().sorted().toList();
    }

    @Override
    protected synchronized void doStart() throws IOException {
        journal.open(this::replayed);
        if (obsoleteLines > COMPACT_AFTER_OBSOLETE_LINES) {
            compact();
        }
    }

    @Override
    protected void doStop() throws IOException, InterruptedException {
        journal.close();
    }

    /**
     * Makes every record written so far survive a power cut (the journal also syncs them by itself as they come). A
     * manifest is built only from synced records.
     */
    @Override
    public void sync() {
        journal.sync();
    }

    @Override
    public String writeFailure() {
        return journal.writeFailure();
    }

    @Override
    public boolean retryWrites() {
        return journal.retryWrites();
    }

    @Override
    public synchronized void delivered(DeliveredFile delivered) {
        long offset = journal.append(fileLine(delivered));
        indexFile(delivered.jobKey(), delivered.path(),
                Line.of(offset, delivered.kind(), delivered.size(), delivered.deliveredAt()));
    }

    /**
     * One parser takes the records' lines one after another, and the index gives what it holds (path, kind, a delivered
     * file's time). A manifest reads its job's records back after the last file, while nothing else of the job runs:
     * 10,000 took 79-103 ms under C1 cold (as in a one-shot harvest) and 40-48 warm, against 160-175 and 61-66 with a
     * parser and a tree a line and the paths sorted through a comparator chain.
     */
    @Override
    public void forEachFile(String jobKey, DeliveredFile.Kind kind, Consumer<DeliveredFile> action) {
        String[] paths;
        Line[] lines;
        synchronized (this) {
            JobEntry entry = jobs.get(jobKey);
            if (entry == null) {
                return;
            }
            paths = entry.files.entrySet().stream().filter(file -> file.getValue().kind() == kind)
                    .map(Map.Entry::getKey).toArray(String[]::new);
            Arrays.sort(paths);
            lines = new Line[paths.length];
            for (int i = 0; i < paths.length; i++) {
                lines[i] = entry.files.get(paths[i]);
            }
        }
        // A line once written never changes: the records are read without holding up deliveries meanwhile.
        int read = 0;
        try (JsonParser records = JSON.getFactory().createParser(new LinesInput(lines))) {
            for (; read < lines.length; read++) {
                action.accept(record(records, jobKey, paths[read], lines[read]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ledger " + file() + " at byte " + lines[read].offset()
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized int countFiles(String jobKey, DeliveredFile.Kind kind) {
        JobEntry entry = jobs.get(jobKey);
        return entry == null ? 0 : (int) entry.files.values().stream().filter(line -> line.kind() == kind).count();
    }

    @Override
    public synchronized FileTotals fileTotals(String jobKey) {
        JobEntry entry = jobs.get(jobKey);
        FileTotals totals = FileTotals.NONE;
        if (entry != null) {
            for (Line line : entry.files.values()) {
                if (line.kind() == DeliveredFile.Kind.FILE) {
                    totals = totals.plus(line.size(), line.deliveredAt());
                }
            }
        }
        return totals;
    }

    @Override
    public synchronized boolean isDelivered(String jobKey, String path) {
        JobEntry entry = jobs.get(jobKey);
        return entry != null && (entry.completion != null || entry.files.containsKey(path));
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

    /** Forgets a file of a job that is not complete yet; a single file of a complete job is not tracked any more. */
    @Override
    public synchronized boolean forgetFile(String jobKey, String path) {
        if (!isDelivered(jobKey, path) || isJobComplete(jobKey)) {
            return false;
        }
        appendRemove(jobKey + "/" + path);
        return true;
    }

    /** One instance writes a file ledger: every claim is granted. */
    @Override
    public Optional<Lease> claim(String jobKey) {
        return Optional.of(Lease.sole());
    }

    @Override
    public synchronized void jobComplete(String jobKey, Completion completion) {
        if (!isJobComplete(jobKey)) {
            ObjectNode line = completeLine(jobKey, completion);
            apply(line, append(line));
        }
    }

    @Override
    public synchronized Optional<Completion> completion(String jobKey) {
        JobEntry entry = jobs.get(jobKey);
        return entry == null ? Optional.empty() : Optional.ofNullable(entry.completion);
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
        return entry != null && entry.completion != null;
    }

    private void appendRemove(String key) {
        ObjectNode line = JSON.createObjectNode().put("op", "remove").put("key", key);
        apply(line, append(line));
    }

    /**
     * A file's line, written field by field: one is written per file delivered, and building it as a tree first (a
     * map of nine nodes) took 4.8-5.2 us of CPU and 4,650 bytes a line against 3.3-3.6 us and 1,700. The same bytes.
     */
    private static byte[] fileLine(DeliveredFile f) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator line = JSON.getFactory().createGenerator(bytes)) {
            line.writeStartObject();
            line.writeStringField("op", "file");
            line.writeStringField("job", f.jobKey());
            line.writeStringField("path", f.path());
            line.writeStringField("kind", f.kind().name());
            line.writeNumberField("size", f.size());
            line.writeStringField("sha256", f.sha256());
            line.writeStringField("source", f.sourcePath());
            line.writeStringField("note", f.note());
            line.writeStringField("at", f.deliveredAt().toString());
            line.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: not to be had
        }
        bytes.write('\n');
        return bytes.toByteArray();
    }

    private static ObjectNode completeLine(String jobKey, Completion completion) {
        return JSON.createObjectNode().put("op", "complete").put("job", jobKey).put("state", completion.state())
                .put("run", completion.run()).put("at", Instant.now().toString());
    }

    /** The next record of those {@code lines}, whose path and index entry are given. */
    private static DeliveredFile record(JsonParser lines, String jobKey, String path, Line indexed)
            throws IOException {
        if (lines.nextToken() != JsonToken.START_OBJECT) {
            throw new JsonParseException(lines, "a record is a JSON object");
        }
        long size = -1;
        String sha256 = null;
        String source = path;
        String note = null;
        String at = null;
        for (String field = lines.nextFieldName(); field != null; field = lines.nextFieldName()) {
            lines.nextToken();
            switch (field) {
                case "size" -> size = lines.getValueAsLong(-1);
                case "sha256" -> sha256 = lines.getValueAsString();
                case "source" -> source = lines.getValueAsString(path);
                case "note" -> note = lines.getValueAsString();
                case "at" -> at = lines.getValueAsString();
                default -> lines.skipChildren();
            }
        }
        return new DeliveredFile(jobKey, path, indexed.kind(), size, sha256, source, note,
                indexed.deliveredAt() != null ? indexed.deliveredAt() : Instant.parse(at));
    }

    private static DeliveredFile.Kind kind(JsonNode line) {
        return DeliveredFile.Kind.valueOf(line.path("kind").asText("FILE"));
    }

    /** @param offset where the line starts in the file */
    private void apply(JsonNode line, long offset) {
        String op = line.path("op").asText();
        switch (op) {
            case "file" -> indexFile(line.path("job").asText(), line.path("path").asText(), indexed(line, offset));
            case "complete" -> {
                JobEntry entry = jobs.computeIfAbsent(line.path("job").asText(), k -> new JobEntry());
                obsoleteLines += entry.files.size();
                entry.files.clear();
                entry.completion = new Completion(textOrNull(line, "state"), line.path("run").asInt(1));
            }
            case "remove" -> applyRemove(line.path("key").asText());
            // A probe cut short by a crash: it records nothing.
            case "probe" -> obsoleteLines++;
            default -> throw new IllegalArgumentException("unknown ledger operation '" + op + "'");
        }
    }

    private void indexFile(String jobKey, String path, Line line) {
        JobEntry entry = jobs.computeIfAbsent(jobKey, k -> new JobEntry());
        if (entry.files.put(path, line) != null) {
            obsoleteLines++;
        }
    }

    /** A file's line read back, as the index holds it. */
    private static Line indexed(JsonNode line, long offset) {
        DeliveredFile.Kind kind = kind(line);
        return Line.of(offset, kind, line.path("size").asLong(-1),
                kind == DeliveredFile.Kind.FILE ? Instant.parse(line.path("at").asText()) : null);
    }

    private static String textOrNull(JsonNode line, String field) {
        JsonNode node = line.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }

    private void applyRemove(String key) {
        obsoleteLines += 2;
        String jobKey = jobKeyOf(key);
        // The manifest's own key stands for the whole job; a file named so deeper down (sub/_manifest.json, a parked
        // manifest's _parked/_manifest.json) is one file.
        if (key.equals(jobKey + "/" + MANIFEST)) {
            jobs.remove(jobKey);
        } else if (jobs.containsKey(jobKey)) {
            jobs.get(jobKey).files.remove(key.substring(jobKey.length() + 1));
        }
    }

    /** Appends a line whole, or not at all; answers where it starts. */
    private long append(ObjectNode line) {
        try {
            return journal.append(encoded(line));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A line with its newline, as it is written to the file. */
    private static byte[] encoded(ObjectNode line) throws IOException {
        return (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** A line read back at start: applied to the index, or false when it is no record (torn, zeros, not JSON). */
    private boolean replayed(byte[] bytes, long offset) {
        JsonNode line;
        try {
            line = JSON.readTree(bytes);
        } catch (IOException e) {
            return false;
        }
        if (line == null || !line.isObject() || !line.hasNonNull("op")) {
            return false;
        }
        apply(line, offset);
        return true;
    }

    /**
     * Rewrites the file with only what is still needed. The files' lines are copied as they are; the index moves to
     * their new places only once the new file is in.
     */
    private void compact() throws IOException {
        Map<Line, Long> moved = new HashMap<>();
        journal.rewrite(out -> {
            long written = 0;
            for (Map.Entry<String, JobEntry> job : jobs.entrySet()) {
                for (Line line : job.getValue().files.values()) {
                    byte[] bytes = journal.lineAt(line.offset());
                    out.write(bytes);
                    moved.put(line, written);
                    written += bytes.length;
                }
                if (job.getValue().completion != null) {
                    written += write(out, completeLine(job.getKey(), job.getValue().completion));
                }
            }
            return written;
        });
        for (JobEntry entry : jobs.values()) {
            entry.files.replaceAll((path, line) -> line.movedTo(moved.get(line)));
        }
        obsoleteLines = 0;
    }

    private static int write(OutputStream out, ObjectNode line) throws IOException {
        byte[] bytes = encoded(line);
        out.write(bytes);
        return bytes.length;
    }

    /** The lines at the given places, one after another, as one stream. */
    private final class LinesInput extends InputStream {

        private final Line[] lines;
        private int next;
        private byte[] line = new byte[0];
        private int taken;

        LinesInput(Line[] lines) {
            this.lines = lines;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            int copied = 0;
            while (copied < length) {
                if (taken == line.length) {
                    if (next == lines.length) {
                        break;
                    }
                    line = journal.lineAt(lines[next++].offset());
                    taken = 0;
                }
                int n = Math.min(length - copied, line.length - taken);
                System.arraycopy(line, taken, into, offset + copied, n);
                taken += n;
                copied += n;
            }
            return copied == 0 && length > 0 ? -1 : copied;
        }
    }

    /**
     * Where a file's latest record is in the ledger file, and its kind; for a delivered file also its size and when it
     * was delivered (else -1 and null).
     */
    private record Line(long offset, DeliveredFile.Kind kind, long size, Instant deliveredAt) {

        /** The size and time of a delivered file are what its manifest sums up; other kinds keep neither. */
        static Line of(long offset, DeliveredFile.Kind kind, long size, Instant deliveredAt) {
            return kind == DeliveredFile.Kind.FILE ? new Line(offset, kind, size, deliveredAt)
                    : new Line(offset, kind, -1, null);
        }

        Line movedTo(long newOffset) {
            return new Line(newOffset, kind, size, deliveredAt);
        }
    }

    private static final class JobEntry {
        private final Map<String, Line> files = new HashMap<>();
        /** How the job was recorded complete; null while it is not. */
        private Completion completion;
    }
}

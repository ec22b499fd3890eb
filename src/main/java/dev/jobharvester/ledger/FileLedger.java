package dev.jobharvester.ledger;

import static dev.jobharvester.component.SinkNames.MANIFEST;
import static dev.jobharvester.component.SinkNames.jobKeyOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The embedded ledger: an append-only file of JSON lines under the data directory, replayed into memory at start.
 * Once a job is complete only its completion is kept, so memory and the file grow with the number of jobs, not
 * files. A line is appended with one write before the call returns, so it survives the process being killed; a
 * line cut short by such a kill is dropped at the next start, which means "deliver again", never "lost".
 */
public class FileLedger extends ServiceSupport implements Ledger {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int COMPACT_AFTER_OBSOLETE_LINES = 10_000;

    private final Path file;
    private final Map<String, JobEntry> jobs = new HashMap<>();
    private final Set<String> otherKeys = new HashSet<>();
    private FileChannel channel;
    private long obsoleteLines;

    public FileLedger(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** The ledger as it is on disk, for reading only: nothing is written, a line cut short is only left out. */
    public static FileLedger read(Path file) throws IOException {
        FileLedger ledger = new FileLedger(file);
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
        if (Files.exists(file)) {
            replay(true);
        }
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        if (obsoleteLines > COMPACT_AFTER_OBSOLETE_LINES) {
            compact();
        }
    }

    @Override
    protected synchronized void doStop() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    @Override
    public synchronized void delivered(DeliveredFile delivered) {
        ObjectNode line = fileLine(delivered);
        append(line);
        apply(line);
    }

    @Override
    public synchronized List<DeliveredFile> deliveredFiles(String jobKey) {
        JobEntry entry = jobs.get(jobKey);
        return entry == null ? List.of() : new ArrayList<>(entry.files.values());
    }

    @Override
    public synchronized boolean isDelivered(String jobKey, String path) {
        JobEntry entry = jobs.get(jobKey);
        return entry != null && (entry.complete || entry.files.containsKey(path));
    }

    @Override
    public synchronized boolean isParked(String jobKey, String path) {
        JobEntry entry = jobs.get(jobKey);
        DeliveredFile file = entry == null ? null : entry.files.get(path);
        return file != null && file.kind() == DeliveredFile.Kind.PARKED;
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
        append(line);
        apply(line);
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
        append(line);
        apply(line);
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

    private void apply(JsonNode line) {
        String op = line.path("op").asText();
        switch (op) {
            case "file" -> {
                String jobKey = line.path("job").asText();
                String path = line.path("path").asText();
                DeliveredFile delivered = new DeliveredFile(jobKey, path,
                        DeliveredFile.Kind.valueOf(line.path("kind").asText("FILE")), line.path("size").asLong(-1),
                        textOrNull(line, "sha256"), line.path("source").asText(path), textOrNull(line, "note"),
                        Instant.parse(line.path("at").asText()));
                if (jobs.computeIfAbsent(jobKey, k -> new JobEntry()).files.put(path, delivered) != null) {
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

    private void append(ObjectNode line) {
        if (channel == null) {
            throw new IllegalStateException("the ledger " + file + " is not started");
        }
        try {
            ByteBuffer bytes = ByteBuffer.wrap((JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to the ledger " + file + ": " + e.getMessage(), e);
        }
    }

    /** @param repair whether to cut a last line left unfinished by a crash off the file */
    private void replay(boolean repair) throws IOException {
        long goodBytes = 0;
        int lineNumber = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream current = new ByteArrayOutputStream();
            for (int b = in.read(); b >= 0; b = in.read()) {
                if (b != '\n') {
                    current.write(b);
                    continue;
                }
                lineNumber++;
                try {
                    apply(JSON.readTree(current.toByteArray()));
                } catch (IOException | RuntimeException e) {
                    throw new IOException("the ledger " + file + " is damaged at line " + lineNumber + ": "
                            + e.getMessage(), e);
                }
                goodBytes += current.size() + 1;
                current.reset();
            }
        }
        if (repair && goodBytes < Files.size(file)) {
            // The last write was cut short by a crash: what it recorded is simply done again.
            try (FileChannel truncate = FileChannel.open(file, StandardOpenOption.WRITE)) {
                truncate.truncate(goodBytes);
            }
        }
    }

    /** Rewrites the file with only what is still needed, then swaps it in with an atomic rename. */
    private void compact() throws IOException {
        Path next = file.resolveSibling(file.getFileName() + ".compact");
        try (var out = Files.newBufferedWriter(next, StandardCharsets.UTF_8)) {
            for (String key : otherKeys) {
                out.write(JSON.writeValueAsString(JSON.createObjectNode().put("op", "key").put("key", key)) + "\n");
            }
            for (Map.Entry<String, JobEntry> job : jobs.entrySet()) {
                for (DeliveredFile f : job.getValue().files.values()) {
                    out.write(JSON.writeValueAsString(fileLine(f)) + "\n");
                }
                if (job.getValue().complete) {
                    out.write(JSON.writeValueAsString(completeLine(job.getKey())) + "\n");
                }
            }
        }
        try (FileChannel sync = FileChannel.open(next, StandardOpenOption.WRITE)) {
            sync.force(true);
        }
        channel.close();
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        obsoleteLines = 0;
    }

    private static final class JobEntry {
        private final LinkedHashMap<String, DeliveredFile> files = new LinkedHashMap<>();
        private boolean complete;
    }
}

package dev.jobharvester.ledger;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.jobharvester.ledger.DeliveredFile.Kind;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A job's {@code _manifest.json}: what was delivered, with sizes and SHA-256, written last so that its presence in
 * the sink means the job is complete there. It is written record by record as the ledger hands them over, so a job
 * of 100,000 files needs no more memory for its manifest than a job of ten. It is built from the ledger's records
 * alone, no clock and no memory of this run: written again (after a crash between its delivery and the record of it)
 * it has the same bytes.
 */
public final class Manifest {

    public static final int FORMAT_VERSION = 2;

    private static final JsonFactory JSON = new JsonFactory();
    /** Listed files that are not in the sink, each with its reason, by the manifest's name for them. */
    private static final List<Map.Entry<String, Kind>> NOT_DELIVERED = List.of(Map.entry("refused", Kind.REFUSED),
            Map.entry("unavailable", Kind.UNAVAILABLE));

    /** A job's records of one kind, in path order. */
    @FunctionalInterface
    public interface Records {
        void forEach(Kind kind, Consumer<DeliveredFile> action);
    }

    /** What the manifest lists: files and their bytes, and the others (refused, skipped or unavailable). */
    public record Summary(long files, long bytes, long others) {
    }

    private Manifest() {
    }

    /**
     * @param state   the job's terminal state in the platform's spelling
     * @param outcome what the platform says of the job's result beyond its state, or null
     * @param files   what the job's records of kind FILE add up to, which come first: the ledger sums them from its
     *                index, so that the records are read once (a job of 10,000 files: a second reading took 30-45 ms)
     * @param records the ledger's records for the job
     */
    public static Summary write(String provider, String jobId, String state, int run, String outcome,
            FileTotals files, Records records, OutputStream out) throws IOException {
        long[] others = new long[1];
        try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8).useDefaultPrettyPrinter()) {
            json.writeStartObject();
            json.writeNumberField("formatVersion", FORMAT_VERSION);
            json.writeStringField("provider", provider);
            json.writeStringField("jobId", jobId);
            json.writeStringField("state", state);
            json.writeNumberField("run", run);
            if (outcome != null) {
                json.writeStringField("outcome", outcome);
            }
            if (files.first() != null) {
                json.writeStringField("firstFileDeliveredAt", files.first().toString());
                json.writeStringField("lastFileDeliveredAt", files.last().toString());
            }
            json.writeNumberField("fileCount", files.count());
            json.writeNumberField("totalBytes", files.bytes());
            array(json, "files", records, Kind.FILE, (g, file) -> {
                g.writeStartObject();
                g.writeStringField("path", file.path());
                g.writeNumberField("size", file.size());
                g.writeStringField("sha256", file.sha256());
                if (!file.sourcePath().equals(file.path())) {
                    g.writeStringField("sourcePath", file.sourcePath());
                }
                g.writeStringField("deliveredAt", file.deliveredAt().toString());
                g.writeEndObject();
            });
            array(json, "unpackedArchives", records, Kind.ARCHIVE, (g, archive) -> {
                g.writeStartObject();
                g.writeStringField("path", archive.path());
                g.writeNumberField("size", archive.size());
                g.writeStringField("sha256", archive.sha256());
                g.writeEndObject();
            });
            array(json, "skippedByRoute", records, Kind.SKIPPED, (g, skipped) -> {
                others[0]++;
                g.writeString(skipped.path());
            });
            for (Map.Entry<String, Kind> notDelivered : NOT_DELIVERED) {
                array(json, notDelivered.getKey(), records, notDelivered.getValue(), (g, file) -> {
                    others[0]++;
                    g.writeStartObject();
                    g.writeStringField("sourcePath", file.sourcePath());
                    g.writeStringField("reason", file.note());
                    g.writeEndObject();
                });
            }
            json.writeEndObject();
        }
        return new Summary(files.count(), files.bytes(), others[0]);
    }

    @FunctionalInterface
    private interface Entry {
        void write(JsonGenerator json, DeliveredFile file) throws IOException;
    }

    private static void array(JsonGenerator json, String name, Records records, Kind kind, Entry entry)
            throws IOException {
        json.writeArrayFieldStart(name);
        try {
            records.forEach(kind, file -> {
                try {
                    entry.write(json, file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        json.writeEndArray();
    }
}

package dev.jobharvester.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jobharvester.ledger.DeliveredFile.Kind;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * A job's {@code _manifest.json}: what was delivered, with sizes and SHA-256, written last so that its presence in
 * the sink means the job is complete there.
 */
public final class Manifest {

    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Manifest() {
    }

    /**
     * @param state    the job's terminal state in the platform's spelling
     * @param files    the ledger's records for the job
     * @param seenDone when the harvester saw the job in its terminal state, or null if not known
     */
    public static byte[] render(String provider, String jobId, String state, List<DeliveredFile> files,
            Instant seenDone, Instant now) {
        ObjectNode root = JSON.createObjectNode()
                .put("formatVersion", FORMAT_VERSION)
                .put("provider", provider)
                .put("jobId", jobId)
                .put("state", state);
        if (seenDone != null) {
            root.put("terminalStateSeenAt", seenDone.toString());
        }
        files.stream().map(DeliveredFile::deliveredAt).min(Comparator.naturalOrder())
                .ifPresent(first -> root.put("firstFileDeliveredAt", first.toString()));
        root.put("completedAt", now.toString());
        List<DeliveredFile> delivered = of(files, Kind.FILE);
        root.put("fileCount", delivered.size());
        root.put("totalBytes", delivered.stream().mapToLong(DeliveredFile::size).sum());
        ArrayNode list = root.putArray("files");
        for (DeliveredFile file : delivered) {
            ObjectNode entry = list.addObject().put("path", file.path()).put("size", file.size())
                    .put("sha256", file.sha256());
            if (!file.sourcePath().equals(file.path())) {
                entry.put("sourcePath", file.sourcePath());
            }
            entry.put("deliveredAt", file.deliveredAt().toString());
        }
        ArrayNode archives = root.putArray("unpackedArchives");
        of(files, Kind.ARCHIVE).forEach(a -> archives.addObject().put("path", a.path()).put("size", a.size())
                .put("sha256", a.sha256()));
        ArrayNode skipped = root.putArray("skippedByRoute");
        of(files, Kind.SKIPPED).forEach(f -> skipped.add(f.path()));
        ArrayNode refused = root.putArray("refused");
        of(files, Kind.REFUSED).forEach(f -> refused.addObject().put("sourcePath", f.sourcePath())
                .put("reason", f.note()));
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render the manifest of " + provider + " job " + jobId, e);
        }
    }

    private static List<DeliveredFile> of(List<DeliveredFile> files, Kind kind) {
        return files.stream().filter(f -> f.kind() == kind).sorted(Comparator.comparing(DeliveredFile::path)).toList();
    }
}

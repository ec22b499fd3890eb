package dev.jobharvester.ledger;

import java.time.Instant;

/**
 * A file of a job the harvester is done with.
 *
 * @param jobKey      {@code provider/jobId}
 * @param path        the path inside the job's folder (the ledger key's last part)
 * @param kind        what happened to it
 * @param size        bytes delivered, or -1 when no bytes moved
 * @param sha256      hex SHA-256 of the bytes, or null when no bytes moved
 * @param sourcePath  the path as the platform named it
 * @param note        why, for a refused file; else null
 * @param deliveredAt when the sink accepted it (or the harvester gave its verdict)
 */
public record DeliveredFile(String jobKey, String path, Kind kind, long size, String sha256, String sourcePath,
        String note, Instant deliveredAt) {

    public enum Kind {
        /** Delivered to the sink, bytes verified. */
        FILE,
        /** A route step finished the exchange without reading the bytes (a filter, for example). */
        SKIPPED,
        /** Not delivered on purpose: its name would leave the job's folder, for example. */
        REFUSED,
        /** An archive whose entries were delivered as files of their own. */
        ARCHIVE,
        /** Not delivered: its download kept failing; the note holds the last error. Retried on request. */
        PARKED,
        /** Listed by the platform, which offers no bytes for it (never uploaded by the job); the note says why. */
        UNAVAILABLE
    }

    public static DeliveredFile file(String jobKey, String path, long size, String sha256, String sourcePath) {
        return new DeliveredFile(jobKey, path, Kind.FILE, size, sha256, sourcePath, null, Instant.now());
    }

    public String key() {
        return jobKey + "/" + path;
    }
}

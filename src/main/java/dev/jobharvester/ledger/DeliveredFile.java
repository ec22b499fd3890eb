package dev.jobharvester.ledger;

import java.time.Instant;

/**
 * A file the sink accepted.
 *
 * @param jobKey      {@code provider/jobId}
 * @param path        the path inside the job's folder
 * @param size        bytes delivered, or -1 when the route took the file without reading it
 * @param sha256      hex SHA-256 of the bytes, or null when the route took the file without reading it
 * @param sourcePath  the path as the platform named it
 * @param deliveredAt when the sink accepted it
 */
public record DeliveredFile(String jobKey, String path, long size, String sha256, String sourcePath,
        Instant deliveredAt) {

    public String key() {
        return jobKey + "/" + path;
    }

    /** Whether the route read the bytes; false when a route step chose to drop the file. */
    public boolean transferred() {
        return sha256 != null;
    }
}

package dev.jobharvester.common;

import java.net.URI;
import java.time.Instant;

/**
 * One output file of a job as the platform lists it.
 *
 * @param path      the path relative to the job's output folder, as the platform names it
 * @param location  where to GET the bytes (usually a presigned storage URL)
 * @param size      the size in bytes the platform promises, or -1 when it does not say
 * @param expiresAt when the location stops working, or null when the platform does not say
 * @param page      the cursor of the listing page it came from, to list it again for a fresh location
 * @param sha256    the SHA-256 the platform gives for its bytes (hex), checked once they are in, or null
 */
public record OutputFile(String path, URI location, long size, Instant expiresAt, String page, String sha256) {

    public OutputFile(String path, URI location, long size, Instant expiresAt, String page) {
        this(path, location, size, expiresAt, page, null);
    }

    public static OutputFile of(String path, URI location, long size) {
        return new OutputFile(path, location, size, null, null);
    }
}

package dev.jobharvester.common;

import java.net.URI;
import java.time.Instant;

/**
 * One output file of a job as the platform lists it.
 *
 * @param path      the path relative to the job's output folder, as the platform names it
 * @param url       where to GET the bytes (usually a presigned storage URL), as text: see {@link #location()}
 * @param size      the size in bytes the platform promises, or -1 when it does not say
 * @param expiresAt when the location stops working, or null when the platform does not say
 * @param page      the cursor of the listing page it came from, to list it again for a fresh location
 * @param sha256    the SHA-256 the platform gives for its bytes (hex), checked once they are in, or null
 */
public record OutputFile(String path, String url, long size, Instant expiresAt, String page, String sha256) {

    /** The location the provider parsed, and so checked, kept as its text. */
    public OutputFile(String path, URI location, long size, Instant expiresAt, String page, String sha256) {
        this(path, location.toString(), size, expiresAt, page, sha256);
    }

    public OutputFile(String path, URI location, long size, Instant expiresAt, String page) {
        this(path, location, size, expiresAt, page, null);
    }

    public static OutputFile of(String path, URI location, long size) {
        return new OutputFile(path, location, size, null, null);
    }

    /**
     * Where to GET the bytes, parsed again on each call (a few microseconds, once or twice a fetch): a URI keeps each
     * of its parts (its query, its path, ...) as one more copy of the text, and a page may list thousands of files. A
     * presigned S3 URL of 550 characters takes 620 bytes as text and 1,470 as a URI: 85 MB more for 100,000 files.
     */
    public URI location() {
        return URI.create(url);
    }

    /**
     * The scheme and authority of {@link #location()}, all the download policy judges and all that decides where a
     * platform's key may go, parsed from the characters before the path: a presigned URL is mostly query, and a
     * listing's files are each judged on the job's one thread before the first is fetched (20,000 URLs of the
     * simulator's: 105 ms there, parsed whole). A location without an authority, or one this short parse does not
     * take, is parsed whole.
     */
    public URI origin() {
        int schemeEnd = indexOfAny(0, ":/?#");
        if (schemeEnd == 0 || !url.startsWith("://", schemeEnd)) {
            return location();
        }
        try {
            return URI.create(url.substring(0, indexOfAny(schemeEnd + 3, "/?#")));
        } catch (IllegalArgumentException e) {
            return location();
        }
    }

    /** The index of the first of {@code chars} in the URL from {@code from} on, or its length. */
    private int indexOfAny(int from, String chars) {
        int at = from;
        while (at < url.length() && chars.indexOf(url.charAt(at)) < 0) {
            at++;
        }
        return at;
    }
}

package dev.jobharvester.download;

/** A file's body as the route reads it, and what the reading proved. */
public interface VerifiedBody {

    /** Whether the route read at least one byte or the end. */
    boolean isOpened();

    /** Whether every byte arrived and matched the promised length. */
    boolean isComplete();

    long bytesRead();

    /** Hex SHA-256 of the bytes, once complete. */
    String sha256();
}

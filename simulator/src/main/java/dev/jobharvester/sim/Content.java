package dev.jobharvester.sim;

import java.io.InputStream;

/** The bytes of a simulated file. */
public interface Content {

    long size();

    /** The bytes from {@code offset} to the end. */
    InputStream open(long offset);

    String sha256();

    /** A strong ETag for these bytes (quoted), as storage sends it and checks an {@code If-Range} against. */
    String etag();
}

package dev.jobharvester.download;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.Executor;

/**
 * A file's body as the route reads it, and what the reading proved: its byte count, its SHA-256, and whether it
 * arrived whole. Subclasses read the bytes and call {@link #passed} and {@link #markComplete}.
 */
public abstract class VerifiedBody extends InputStream {

    private final Sha256Count digest;
    private boolean complete;
    private volatile IOException failure;
    /** The array a reader lends for the read under way, hashed where the bytes lie; null for an ordinary read. */
    private byte[] lent;

    /** @param hashing runs the hashing of a large body beside its reading */
    protected VerifiedBody(Executor hashing) {
        this.digest = new Sha256Count(hashing);
    }

    /** Whether the route read at least one byte or the end. */
    public abstract boolean isOpened();

    /** Whether every byte arrived and matched what was promised. */
    public boolean isComplete() {
        return complete;
    }

    public long bytesRead() {
        return digest.count();
    }

    /** Hex SHA-256 of the bytes, once complete. */
    public String sha256() {
        if (!complete) {
            throw new IllegalStateException(this + " has not been read to the end");
        }
        return digest.hex();
    }

    /**
     * The first error reading the source raised, or null. A sink may report something else when the read fails
     * under it (the AWS SDK, retrying a part it cannot rewind, says only that the stream cannot be reset).
     */
    public IOException failure() {
        return failure;
    }

    /** Remembers the first source error and hands it back to be thrown. */
    protected IOException failed(IOException error) {
        if (failure == null) {
            failure = error;
        }
        return error;
    }

    /**
     * Reads as {@link #read(byte[], int, int)} does, but the bytes are hashed where they lie instead of copied aside
     * for hashing: the caller leaves them as they are until {@link #awaitHashed} has returned for them (or, giving the
     * body up, until {@link #hashed} passes them). The read that reaches the end still checks the SHA-256.
     */
    public int readInPlace(byte[] into, int offset, int length) throws IOException {
        lent = into;
        try {
            return read(into, offset, length);
        } finally {
            lent = null;
        }
    }

    /** How many of the bytes read are hashed: lent bytes before this count may be reused. */
    public long hashed() {
        return digest.hashed();
    }

    /** Waits until the first {@code count} bytes read are hashed. */
    public void awaitHashed(long count) throws InterruptedIOException {
        try {
            digest.awaitHashed(count);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        }
    }

    protected void passed(byte[] buffer, int offset, int length) {
        if (buffer == lent) {
            digest.updateInPlace(buffer, offset, length);
        } else {
            digest.update(buffer, offset, length);
        }
    }

    protected void markComplete() {
        complete = true;
    }

    /**
     * Marks the body whole if its SHA-256 is the one the platform gave (when it gave one): bytes that differ fail the
     * read, so the sink never finishes them.
     *
     * @param label names the file in the message
     */
    protected void markComplete(String expectedSha256, String label) throws IOException {
        if (expectedSha256 != null) {
            awaitHashed(bytesRead()); // here, where a stop interrupts, rather than in digest.hex()
        }
        if (expectedSha256 != null && !expectedSha256.equalsIgnoreCase(digest.hex())) {
            throw failed(new IOException(label + ": its SHA-256 is " + digest.hex() + ", not the " + expectedSha256
                    + " the platform listed"));
        }
        markComplete();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }
}

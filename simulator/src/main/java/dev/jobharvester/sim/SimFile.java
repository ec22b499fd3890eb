package dev.jobharvester.sim;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One output file of a simulated job, with optional faults: a bandwidth cap, and an abort after some bytes for the
 * first few downloads.
 */
public final class SimFile {

    private final String path;
    private volatile Content content;
    private volatile boolean uploaded = true;
    private volatile boolean chunked;
    private volatile String listedAt;
    private volatile boolean ignoresRange;
    private final AtomicLong bytesServed = new AtomicLong();
    private volatile long bytesPerSecond;
    private volatile long abortAfterBytes = -1;
    private final AtomicInteger abortsLeft = new AtomicInteger();
    private final AtomicInteger busyLeft = new AtomicInteger();
    private volatile String retryAfter;

    public SimFile(String path, long size, long seed) {
        this(path, new GeneratedContent(seed, size));
    }

    /** A file with the given bytes. */
    public static SimFile ofBytes(String path, byte[] bytes) {
        return new SimFile(path, new BytesContent(bytes));
    }

    SimFile(String path, Content content) {
        this.path = path;
        this.content = content;
    }

    /** A file whose content is derived from its path, so equal paths in different tests mean equal bytes. */
    public static SimFile of(String path, long size) {
        return new SimFile(path, size, path.hashCode() * 31L + size);
    }

    public String path() {
        return path;
    }

    public long size() {
        return content.size();
    }

    public Content content() {
        return content;
    }

    /** Whether a delivered copy under {@code jobFolder} has this file's exact bytes (SHA-256). */
    public boolean deliveredUnder(Path jobFolder) throws IOException {
        Path copy = jobFolder.resolve(path);
        if (!Files.isRegularFile(copy)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(copy)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest()).equals(sha256());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String sha256() {
        return content.sha256();
    }

    /** Gives the file other bytes of the same size under the same name, as a job that rewrites an output does. */
    public SimFile rewrite(long seed) {
        this.content = new GeneratedContent(seed, content.size());
        return this;
    }

    /** Marks the file as listed by the platform but never uploaded by the worker (a Chutes quirk). */
    public SimFile notUploaded() {
        this.uploaded = false;
        return this;
    }

    public boolean uploaded() {
        return uploaded;
    }

    /** Makes the platform list this URL for the file instead of a presigned one of its own storage. */
    public SimFile listedAt(String url) {
        this.listedAt = url;
        return this;
    }

    /** The URL the platform lists for the file, or null for a presigned one. */
    public String listedAt() {
        return listedAt;
    }

    /** Serves the file without a Content-Length (chunked), as some storage does for generated content. */
    public SimFile chunked() {
        this.chunked = true;
        return this;
    }

    boolean isChunked() {
        return chunked;
    }

    /** Answers every request with the whole file (200), as storage that does not support Range does. */
    public SimFile ignoreRange() {
        this.ignoresRange = true;
        return this;
    }

    boolean ignoresRange() {
        return ignoresRange;
    }

    /** Bytes of this file written to clients so far, over all requests. */
    public long bytesServed() {
        return bytesServed.get();
    }

    void served(long bytes) {
        bytesServed.addAndGet(bytes);
    }

    /** Serves this file at no more than the given rate (0 for no cap). */
    public SimFile throttle(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
        return this;
    }

    /** Breaks the connection after {@code bytes} bytes on each of the next {@code times} downloads. */
    public SimFile abortAfter(long bytes, int times) {
        this.abortAfterBytes = bytes;
        this.abortsLeft.set(times);
        return this;
    }

    /** Answers the next {@code times} downloads with 503 Slow Down and this Retry-After, as a throttled bucket does. */
    public SimFile busy(int times, String retryAfter) {
        this.busyLeft.set(times);
        this.retryAfter = retryAfter;
        return this;
    }

    /** The Retry-After to answer this download with, or null to serve it; counts it as one of the busy ones. */
    String takeBusy() {
        return busyLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? retryAfter : null;
    }

    long bytesPerSecond() {
        return bytesPerSecond;
    }

    /** The byte count after which this download must break, or -1; counts the download as one of the aborted. */
    long takeAbortPoint() {
        return abortsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? abortAfterBytes : -1;
    }
}

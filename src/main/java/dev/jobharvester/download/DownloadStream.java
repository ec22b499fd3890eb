package dev.jobharvester.download;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;

/**
 * The body of a file exchange: the GET starts when the sink first reads, bytes pass straight from the socket to the
 * sink, and their count and SHA-256 are taken on the way. A body shorter or longer than promised fails the read,
 * so the sink never finishes a truncated file.
 */
public class DownloadStream extends InputStream {

    private static final int MAX_ERROR_TEXT = 512;

    private final CloseableHttpClient http;
    private final URI location;
    private final String label;
    private final long promisedSize;
    private final MessageDigest sha256;

    private HttpGet request;
    private ClassicHttpResponse response;
    private InputStream body;
    private long expectedSize = -1;
    private long count;
    private boolean complete;
    private volatile boolean closed;
    private String hex;

    /**
     * @param label        what the file is, for messages ({@code provider/job/path}); never the URL's query
     * @param promisedSize the size the platform listed, or -1
     */
    public DownloadStream(CloseableHttpClient http, URI location, String label, long promisedSize) {
        this.http = http;
        this.location = location;
        this.label = label;
        this.promisedSize = promisedSize;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Whether the sink read at least one byte or the end. */
    public boolean isOpened() {
        return body != null;
    }

    /** Whether every byte arrived and matched the promised length. */
    public boolean isComplete() {
        return complete;
    }

    public long bytesRead() {
        return count;
    }

    /** Hex SHA-256 of the bytes, once complete. */
    public String sha256() {
        if (!complete) {
            throw new IllegalStateException(label + " has not been read to the end");
        }
        if (hex == null) {
            hex = HexFormat.of().formatHex(sha256.digest());
        }
        return hex;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (complete) {
            return -1;
        }
        if (closed) {
            throw new IOException(label + ": the download was stopped after " + count + " bytes");
        }
        if (body == null) {
            open();
        }
        int n = body.read(buffer, offset, length);
        if (n < 0) {
            finish();
            return -1;
        }
        sha256.update(buffer, offset, n);
        count += n;
        if (expectedSize >= 0 && count > expectedSize) {
            throw new IOException(label + ": more bytes arrived than the " + expectedSize + " promised");
        }
        if (count == expectedSize) {
            // A sink that knows the length stops here without asking for the end.
            finish();
        }
        return n;
    }

    private void open() throws IOException {
        request = new HttpGet(location);
        response = http.executeOpen(null, request, null);
        int status = response.getCode();
        HttpEntity entity = response.getEntity();
        if (status != 200 || entity == null) {
            String detail = entity == null ? "" : errorText(entity);
            close();
            throw new IOException(label + ": storage answered " + status + " for " + Redact.url(location) + detail);
        }
        long contentLength = entity.getContentLength();
        if (promisedSize >= 0 && contentLength >= 0 && promisedSize != contentLength) {
            close();
            throw new IOException(label + ": the platform listed " + promisedSize + " bytes but storage sends "
                    + contentLength);
        }
        expectedSize = promisedSize >= 0 ? promisedSize : contentLength;
        body = entity.getContent();
        if (closed) {
            close();
            throw new IOException(label + ": the download was stopped before it started");
        }
    }

    private void finish() throws IOException {
        if (expectedSize >= 0 && count != expectedSize) {
            throw new IOException(label + ": the body ended after " + count + " of " + expectedSize + " bytes");
        }
        complete = true;
    }

    private static String errorText(HttpEntity entity) {
        try (InputStream in = entity.getContent()) {
            String text = new String(in.readNBytes(MAX_ERROR_TEXT), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "" : ": " + text.replaceAll("\\s+", " ");
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        boolean cut = request != null && !complete;
        if (cut) {
            // Closing an unfinished response would read the rest of the body to keep the connection: cut it instead.
            request.cancel();
        }
        if (response != null) {
            ClassicHttpResponse open = response;
            response = null;
            try {
                open.close();
            } catch (IOException e) {
                if (!cut) {
                    throw e;
                }
            }
        }
    }

    @Override
    public String toString() {
        return "DownloadStream[" + label + "]";
    }
}

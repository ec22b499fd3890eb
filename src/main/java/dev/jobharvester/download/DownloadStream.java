package dev.jobharvester.download;

import dev.jobharvester.provider.OutputFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;

/**
 * The body of a file exchange: the GET starts when the sink first reads, bytes pass straight from the socket to the
 * sink, and their count and SHA-256 are taken on the way. A body shorter or longer than promised fails the read,
 * so the sink never finishes a truncated file. A location past its expiry is not tried: the file is listed again.
 */
public class DownloadStream extends VerifiedBody {

    /** A location this close to its expiry is refreshed first: the transfer should not start on a dying URL. */
    static final Duration EXPIRY_MARGIN = Duration.ofSeconds(5);
    private static final int MAX_ERROR_TEXT = 512;

    /** Lists a file again for a fresh location; empty when the platform no longer lists it. */
    @FunctionalInterface
    public interface Relister {
        Optional<OutputFile> refresh(OutputFile stale) throws IOException;
    }

    private final CloseableHttpClient http;
    private final String label;
    private final String authorization;
    private final Relister relister;
    private OutputFile file;

    private HttpGet request;
    private ClassicHttpResponse response;
    private InputStream body;
    private long expectedSize = -1;
    private volatile boolean closed;

    /**
     * @param label         what the file is, for messages ({@code provider/job/path}); never the URL's query
     * @param authorization the Authorization header to send, or null for a presigned location
     */
    public DownloadStream(CloseableHttpClient http, OutputFile file, String label, String authorization,
            Relister relister) {
        this.http = http;
        this.file = file;
        this.label = label;
        this.authorization = authorization;
        this.relister = relister;
    }

    /**
     * Starts the download if it has not started and answers the length storage promises, or -1 when it does not
     * say (a chunked answer): a sink that must declare the length up front asks before it reads.
     */
    public long contentLength() throws IOException {
        if (body == null && !isComplete()) {
            open();
        }
        return expectedSize;
    }

    @Override
    public boolean isOpened() {
        return body != null;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        try {
            return readChecked(buffer, offset, length);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private int readChecked(byte[] buffer, int offset, int length) throws IOException {
        if (isComplete()) {
            return -1;
        }
        if (closed) {
            throw new IOException(label + ": the download was stopped after " + bytesRead() + " bytes");
        }
        if (body == null) {
            open();
        }
        int n = body.read(buffer, offset, length);
        if (n < 0) {
            finish();
            return -1;
        }
        passed(buffer, offset, n);
        if (expectedSize >= 0 && bytesRead() > expectedSize) {
            throw new IOException(label + ": more bytes arrived than the " + expectedSize + " promised");
        }
        if (bytesRead() == expectedSize) {
            // A sink that knows the length stops here without asking for the end.
            finish();
        }
        return n;
    }

    private void open() throws IOException {
        if (expiresSoon(file)) {
            file = relister.refresh(file).orElseThrow(() -> new IOException(label + ": its location expired and the"
                    + " platform no longer lists it"));
            if (expiresSoon(file)) {
                throw new IOException(label + ": the platform lists it again with a location that expires at "
                        + file.expiresAt());
            }
        }
        request = new HttpGet(file.location());
        if (authorization != null) {
            request.setHeader(HttpHeaders.AUTHORIZATION, authorization);
        }
        response = http.executeOpen(null, request, null);
        int status = response.getCode();
        HttpEntity entity = response.getEntity();
        if (status != 200 || entity == null) {
            String detail = entity == null ? "" : errorText(entity);
            close();
            throw new IOException(label + ": storage answered " + status + " for " + Redact.url(file.location())
                    + detail);
        }
        long contentLength = entity.getContentLength();
        if (file.size() >= 0 && contentLength >= 0 && file.size() != contentLength) {
            close();
            throw new IOException(label + ": the platform listed " + file.size() + " bytes but storage sends "
                    + contentLength);
        }
        expectedSize = file.size() >= 0 ? file.size() : contentLength;
        body = entity.getContent();
        if (closed) {
            close();
            throw new IOException(label + ": the download was stopped before it started");
        }
    }

    private static boolean expiresSoon(OutputFile file) {
        return file.expiresAt() != null && !Instant.now().plus(EXPIRY_MARGIN).isBefore(file.expiresAt());
    }

    private void finish() throws IOException {
        if (expectedSize >= 0 && bytesRead() != expectedSize) {
            throw new IOException(label + ": the body ended after " + bytesRead() + " of " + expectedSize + " bytes");
        }
        markComplete();
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
        boolean cut = request != null && !isComplete();
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

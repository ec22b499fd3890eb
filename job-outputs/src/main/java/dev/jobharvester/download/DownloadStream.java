package dev.jobharvester.download;

import dev.jobharvester.common.Backoff;
import dev.jobharvester.common.OutputFile;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpHost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The body of a file exchange: the GET starts when the sink first reads, bytes pass straight from the socket to the
 * sink, and their count and SHA-256 are taken on the way. A body shorter or longer than promised fails the read,
 * so the sink never finishes a truncated file. A transfer that breaks resumes with a Range request from the byte
 * reached, on a freshly listed location when the old one has expired; a location past its expiry is not tried.
 * Every range asked for after the first answer must be of the bytes that answer named (its ETag, or Last-Modified):
 * bytes that changed at storage in the middle of a transfer fail it rather than make a file of two versions. A sink
 * that kept the bytes of an earlier attempt offers them with {@link #resumeFrom}, and only the rest is fetched.
 * <p>
 * Over 300 lines because a transfer's states (opening, reading, resuming, relisting, segmenting) share one
 * position and one connection, and read best together.
 */
public class DownloadStream extends VerifiedBody {

    private static final Logger LOG = LoggerFactory.getLogger(DownloadStream.class);
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-\\d+/(\\d+|\\*)");
    /** As many as curl and browsers follow by default at most: more is a loop. */
    private static final int MAX_REDIRECTS = 5;

    /**
     * Lists a file again for a fresh location; empty when the platform no longer lists it. The location it answers
     * is fetched as it is: checking it against the allowed hosts is the relister's job, as for the first one.
     */
    @FunctionalInterface
    public interface Relister {
        Optional<OutputFile> refresh(OutputFile stale) throws IOException;
    }

    /** The bytes of a file an earlier attempt received, as the sink kept them, from the first. */
    @FunctionalInterface
    public interface HeldBytes {
        InputStream open() throws IOException;
    }

    /**
     * How a download behaves.
     *
     * @param maxResumes       how often a broken transfer is resumed before the read fails
     * @param progressInterval how often a long transfer logs how far it is
     * @param segments         ranges fetched side by side for one file (1: one connection); for storage that caps
     *                         each connection
     * @param segmentSize      bytes per range when segmented; each range in flight is held in memory
     * @param workers          runs what a transfer does beside its reading: hashing, and the ranges of a segmented
     *                         file (a cached pool: a task each, at most {@code segments} ranges per file)
     * @param policy           where storage may redirect a download to
     */
    public record Options(int maxResumes, Duration progressInterval, int segments, int segmentSize,
            ExecutorService workers, DownloadPolicy policy) {
    }

    private final CloseableHttpClient http;
    private final String label;
    private final String authorization;
    private final Relister relister;
    private final BooleanSupplier jobHeld;
    private final ExecutorService workers;
    private final int maxResumes;
    private final long progressIntervalNanos;
    private final int segments;
    private final int segmentSize;
    private final DownloadPolicy policy;
    /** Range requests of a segmented transfer, cut together when it breaks or closes. */
    private final Set<HttpGet> rangeRequests = ConcurrentHashMap.newKeySet();
    private OutputFile file;
    private int resumesLeft;
    private boolean opened;
    private HttpGet request;
    /** Where the last answer came from, storage's redirects followed: the ranges beside it are asked there. */
    private URI answeredFrom;
    private ClassicHttpResponse response;
    private InputStream body;
    private volatile long expectedSize = -1;
    private volatile boolean closed;
    private long startedAt;
    private long progressLoggedAt;
    /** What names the bytes storage sends (a strong ETag, or Last-Modified), once it answered; null when it does not. */
    private String validator;
    /** Bytes a sink holds from an earlier attempt and offered, until storage answers whether they are still good. */
    private long heldOffered;
    private HeldBytes heldBytes;

    /**
     * @param label         what the file is, for messages ({@code provider/job/path}); never the URL's query
     * @param authorization the Authorization header to send, or null for a presigned location
     * @param jobHeld       whether this instance still holds the job; once not, the next read fails, so that a file
     *                      another instance has taken over is not delivered twice
     */
    public DownloadStream(CloseableHttpClient http, OutputFile file, String label, String authorization,
            Relister relister, BooleanSupplier jobHeld, Options options) {
        super(options.workers());
        this.workers = options.workers();
        this.maxResumes = options.maxResumes();
        this.resumesLeft = options.maxResumes();
        this.progressIntervalNanos = options.progressInterval().toNanos();
        this.segments = options.segments();
        this.segmentSize = options.segmentSize();
        this.policy = options.policy();
        this.http = http;
        this.file = file;
        this.label = label;
        this.authorization = authorization;
        this.relister = relister;
        this.jobHeld = jobHeld;
    }

    /**
     * Starts the download if it has not started and answers the length storage promises, or -1 when it does not
     * say (a chunked answer): a sink that must declare the length up front asks before it reads.
     */
    public long contentLength() throws IOException {
        if (body == null && !isComplete()) {
            connect();
        }
        return expectedSize;
    }

    @Override
    public boolean isOpened() {
        return opened;
    }

    /** The length storage promised, or -1 before the transfer starts or when storage does not say. */
    public long expectedSize() {
        return expectedSize;
    }

    /** How often the transfer broke and was resumed. */
    public int resumes() {
        return maxResumes - resumesLeft;
    }

    /**
     * What names the bytes storage sends: a strong ETag, else Last-Modified; null before the transfer opens or when
     * storage sends neither. A sink keeping a part of the file for a later attempt keeps this with it.
     */
    public String validator() {
        return validator;
    }

    /**
     * Opens the transfer after the first {@code held} bytes, which an earlier attempt received and the sink kept, if
     * storage still has the bytes {@code validator} names; they are then read from {@code bytes} into the SHA-256, so
     * that it still covers the whole file. Answers how many held bytes to keep: the count asked (less the last byte
     * when that was all of the file, since a range must hold a byte), or 0 when storage sends the whole file again
     * (it changed, or does not serve ranges): the sink then starts over.
     */
    public long resumeFrom(long held, String validator, HeldBytes bytes) throws IOException {
        if (opened || body != null) {
            throw new IllegalStateException(label + ": already opened");
        }
        long usable = file.size() >= 0 ? Math.min(held, file.size() - 1) : held;
        if (validator == null || usable <= 0) {
            return 0;
        }
        this.validator = validator;
        this.heldOffered = usable;
        this.heldBytes = bytes;
        try {
            do {
                checkWanted();
            } while (!connected());
        } catch (IOException e) {
            throw failed(e);
        }
        return bytesRead();
    }

    /** What the file is: {@code provider/job/path}. */
    public String label() {
        return label;
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
        while (true) {
            checkWanted();
            if (!connected()) {
                continue;
            }
            int n;
            try {
                n = body.read(buffer, offset, length);
            } catch (IOException broken) {
                resumeAfter(broken);
                continue;
            }
            if (n < 0 && expectedSize >= 0 && bytesRead() < expectedSize && resumesLeft > 0) {
                resumeAfter(new IOException("the body ended after " + bytesRead() + " of " + expectedSize + " bytes"));
                continue;
            }
            if (n < 0) {
                finish();
                return -1;
            }
            passed(buffer, offset, n);
            logProgress();
            if (expectedSize >= 0 && bytesRead() > expectedSize) {
                throw new IOException(label + ": more bytes arrived than the " + expectedSize + " promised");
            }
            if (bytesRead() == expectedSize) {
                // A sink that knows the length stops here without asking for the end.
                finish();
            }
            return n;
        }
    }

    private void checkWanted() throws IOException {
        if (closed) {
            throw new IOException(label + ": the download was stopped after " + bytesRead() + " bytes");
        }
        if (!jobHeld.getAsBoolean()) {
            throw new IOException(label + ": stopped after " + bytesRead() + " bytes: this instance lost its lease on"
                    + " the job (it was cut off or paused past it), and another instance delivers the file");
        }
    }

    /** Connects unless connected; false when storage was busy and the connection is to be tried again. */
    private boolean connected() throws IOException {
        if (body != null) {
            return true;
        }
        try {
            connect();
            return true;
        } catch (BusyStorageException busy) {
            resumeAfter(busy);
            return false;
        }
    }

    /** A line every progress interval while a long transfer runs, so an operator sees it move. */
    private void logProgress() {
        long now = System.nanoTime();
        if (now - progressLoggedAt < progressIntervalNanos) {
            return;
        }
        LOG.info("{}: {}", label, Progress.of(bytesRead(), expectedSize, now - startedAt));
        progressLoggedAt = now;
    }

    /** Drops the broken connection so the next read resumes from the byte reached, or gives up. */
    private void resumeAfter(IOException broken) throws IOException {
        if (closed || resumesLeft <= 0) {
            throw broken;
        }
        int attempt = maxResumes - resumesLeft;
        long wait = broken instanceof BusyStorageException busy && busy.retryAfterMillis >= 0 ? busy.retryAfterMillis
                : Backoff.millis(attempt);
        if (wait > RetryAfter.MAX_WAIT_MILLIS) {
            throw broken;
        }
        resumesLeft--;
        if (broken instanceof BusyStorageException) {
            LOG.info("{} (trying again in {} ms, from byte {})", broken.getMessage(), wait, bytesRead());
        } else {
            LOG.info("{}: the transfer broke after {} bytes ({}); resuming from there", label, bytesRead(),
                    broken.getMessage());
        }
        drop();
        Backoff.sleep(wait);
    }

    /** Storage asked to be left alone for a while (429, 503), perhaps saying how long. */
    private static final class BusyStorageException extends IOException {

        private final long retryAfterMillis;

        BusyStorageException(String message, long retryAfterMillis) {
            super(message);
            this.retryAfterMillis = retryAfterMillis;
        }
    }

    /**
     * Opens the GET from the byte reached: the whole body the first time, a Range after a break or after the bytes a
     * sink held.
     */
    private void connect() throws IOException {
        if (expired(file)) {
            refresh("its location expires at " + file.expiresAt());
        }
        long from = bytesRead() + heldOffered;
        long to = firstRangeEnd(from);
        response = get(from, to);
        if (response.getCode() == 416 && (to >= 0 || heldOffered > 0)) {
            // An empty file has no first range to give, and a file shorter now than the bytes held has none after them:
            // ask for the whole of it.
            drop();
            if (heldOffered > 0) {
                from = startOver();
                to = firstRangeEnd(from);
            } else {
                to = -1;
            }
            response = get(from, to);
        }
        if (heldOffered > 0 && response.getCode() == 206 && !Objects.equals(validatorOf(response), validator)) {
            // Storage that ignores If-Range sent the rest of other bytes than the ones held: ask for all of it.
            drop();
            LOG.info("{}: storage has other bytes than the {} kept from an earlier attempt; starting over", label,
                    heldOffered);
            from = startOver();
            to = firstRangeEnd(from);
            response = get(from, to);
        }
        // Presigned URLs expire, also in the middle of a transfer: list the file again and go on. Twice at most: a
        // listing made shortly before for other files may hold a location that has expired too, and once that one
        // has failed the next listing is a new one.
        for (int refreshes = 0; response.getCode() == 403 && refreshes < 2; refreshes++) {
            String reason = ErrorAnswer.text(response.getEntity());
            drop();
            refresh("storage answered 403" + reason);
            response = get(from, to);
        }
        int status = response.getCode();
        HttpEntity entity = response.getEntity();
        if (status == 429 || status == 503) {
            long retryAfter = RetryAfter.millis(response);
            String detail = entity == null ? "" : ErrorAnswer.text(entity);
            drop();
            throw new BusyStorageException(label + ": storage answered " + status + " for "
                    + Redact.url(file.location()) + detail, retryAfter);
        }
        if ((status != 200 && status != 206) || entity == null) {
            String detail = entity == null ? "" : ErrorAnswer.text(entity);
            drop();
            throw new IOException(label + ": storage answered " + status + " for " + Redact.url(file.location())
                    + detail);
        }
        String answered = validatorOf(response);
        if (heldOffered > 0 && status == 200) {
            // The bytes held are not of what storage has now (or it sends whole files only): here is all of it, anew.
            LOG.info("{}: storage sends the whole file, not the rest after the {} bytes kept from an earlier attempt;"
                    + " starting over", label, heldOffered);
            from = startOver();
        }
        if (validator == null) {
            validator = answered;
        } else if (from > 0 && answered != null && !answered.equals(validator)) {
            drop();
            throw new IOException(label + ": the file changed at storage during the transfer (it was " + validator
                    + ", now " + answered + "); it starts over at the next attempt");
        }
        long contentLength = entity.getContentLength();
        if (status == 206) {
            long total;
            try {
                total = checkRange(from, response.getFirstHeader(HttpHeaders.CONTENT_RANGE));
            } catch (IOException e) {
                drop();
                throw e;
            }
            if (expectedSize < 0) {
                expectedSize = total >= 0 ? total : file.size();
            }
        } else {
            long promised = expectedSize >= 0 ? expectedSize : file.size();
            if (promised >= 0 && contentLength >= 0 && promised != contentLength) {
                drop();
                throw new IOException(label + ": " + (expectedSize >= 0 ? "storage promised " + promised
                        + " bytes before but now sends " : "the platform listed " + promised + " bytes but storage sends ")
                        + contentLength);
            }
            if (expectedSize < 0) {
                expectedSize = file.size() >= 0 ? file.size() : contentLength;
            }
        }
        if (heldOffered > 0) {
            passHeld(from);
        }
        body = entity.getContent();
        if (status == 206 && to >= 0 && contentLength > 0 && from + contentLength < expectedSize) {
            // The rest follows the range storage answered (it may have sent less than asked), in ranges side by side.
            body = new RangePipeline(body, from + contentLength, expectedSize, segmentSize, segments, this::fetchRange,
                    workers);
        }
        if (!opened) {
            startedAt = System.nanoTime();
            progressLoggedAt = startedAt;
        }
        opened = true;
        if (status == 200 && from > 0) {
            // The server ignored the Range: the bytes already passed on come again and are skipped.
            body.skipNBytes(from);
        }
        if (closed) {
            drop();
            throw new IOException(label + ": the download was stopped before it started");
        }
    }

    /**
     * The last byte of the first request from {@code from}, or -1 for the rest of the file. Segmented, it asks for one
     * range only (its answer tells the size when the listing did not), and the rest comes in ranges side by side.
     */
    private long firstRangeEnd(long from) {
        long size = expectedSize >= 0 ? expectedSize : file.size();
        return segments > 1 && (size < 0 || size - from > segmentSize) ? from + segmentSize - 1 : -1;
    }

    /** Forgets the bytes a sink offered; answers the byte to start at, the first. */
    private long startOver() {
        heldOffered = 0;
        heldBytes = null;
        validator = null;
        return 0;
    }

    /** Reads the bytes a sink held into the SHA-256 and the count, so that they cover the whole file. */
    private void passHeld(long count) throws IOException {
        LOG.info("{}: resuming after the {} bytes kept from an earlier attempt", label, count);
        byte[] buffer = new byte[128 * 1024];
        try (InputStream in = heldBytes.open()) {
            for (long left = count; left > 0; ) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException(label + ": the part kept from an earlier attempt ended " + left
                            + " bytes early");
                }
                passed(buffer, 0, n);
                left -= n;
            }
        } catch (IOException e) {
            drop();
            throw e;
        } finally {
            heldOffered = 0;
            heldBytes = null;
        }
    }

    /** What names the bytes of an answer: a strong ETag, else Last-Modified; null when it carries neither. */
    private static String validatorOf(ClassicHttpResponse answer) {
        Header etag = answer.getFirstHeader(HttpHeaders.ETAG);
        if (etag != null && !etag.getValue().startsWith("W/")) {
            return etag.getValue();
        }
        Header modified = answer.getFirstHeader(HttpHeaders.LAST_MODIFIED);
        return modified == null ? null : modified.getValue();
    }

    /**
     * A GET from byte {@code from} to {@code to} (inclusive; -1: to the end), storage's redirects followed: each new
     * location is checked against the download policy before it is asked, as the listed one was.
     */
    private ClassicHttpResponse get(long from, long to) throws IOException {
        URI at = file.location();
        for (int redirects = 0;; redirects++) {
            request = request(at, from, to);
            ClassicHttpResponse answer = http.executeOpen(HttpHost.create(at), request, null);
            Header location = isRedirect(answer.getCode()) ? answer.getFirstHeader(HttpHeaders.LOCATION) : null;
            if (location == null) {
                answeredFrom = at;
                return answer;
            }
            // A redirect's body is not wanted, and need not end: cut the connection rather than read it.
            request.cancel();
            try {
                answer.close();
            } catch (IOException e) {
                // The connection was cut on purpose.
            }
            URI next = redirectTarget(at, location.getValue());
            String refusal = redirects == MAX_REDIRECTS ? "more than " + MAX_REDIRECTS + " redirects"
                    : policy.refusal(next);
            if (refusal != null) {
                throw new IOException(label + ": storage redirected " + Redact.url(at) + " to " + Redact.url(next)
                        + ", which is refused: " + refusal);
            }
            at = next;
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private URI redirectTarget(URI from, String location) throws IOException {
        try {
            return from.resolve(location);
        } catch (IllegalArgumentException e) {
            throw new IOException(label + ": storage redirected " + Redact.url(from) + " to an unreadable location", e);
        }
    }

    /** The GET of a range at {@code at}; the Authorization header goes to the listed location's origin only. */
    private HttpGet request(URI at, long from, long to) {
        HttpGet get = new HttpGet(at);
        get.setHeader(HttpHeaders.USER_AGENT, HttpClients.USER_AGENT);
        if (authorization != null && sameOrigin(at, file.origin())) {
            get.setHeader(HttpHeaders.AUTHORIZATION, authorization);
        }
        if (from > 0 || to >= 0) {
            get.setHeader(HttpHeaders.RANGE, "bytes=" + from + "-" + (to >= 0 ? to : ""));
            if (validator != null) {
                get.setHeader(HttpHeaders.IF_RANGE, validator);
            }
        }
        return get;
    }

    /** One range of a segmented transfer, whole; any other answer fails the transfer, which then resumes. */
    private void fetchRange(long from, long to, byte[] into) throws IOException {
        HttpGet range = request(answeredFrom, from, to);
        rangeRequests.add(range);
        try (ClassicHttpResponse answer = http.executeOpen(HttpHost.create(answeredFrom), range, null)) {
            HttpEntity entity = answer.getEntity();
            if (answer.getCode() != 206 || entity == null) {
                throw new IOException(label + ": storage answered " + answer.getCode() + " for the range " + from + "-"
                        + to + (entity == null ? "" : ErrorAnswer.text(entity)));
            }
            checkRange(from, answer.getFirstHeader(HttpHeaders.CONTENT_RANGE));
            String answered = validatorOf(answer);
            if (validator != null && answered != null && !answered.equals(validator)) {
                throw new IOException(label + ": the file changed at storage during the transfer (it was " + validator
                        + ", now " + answered + ")");
            }
            int length = (int) (to - from + 1);
            int read = entity.getContent().readNBytes(into, 0, length);
            if (read != length) {
                throw new IOException(label + ": the range " + from + "-" + to + " ended after " + read + " bytes");
            }
        } catch (IOException e) {
            // Closing the answer would read what is left of it: cut the connection instead.
            range.cancel();
            throw e;
        } finally {
            rangeRequests.remove(range);
        }
    }

    /** Checks that a 206 starts where asked and fits the size known; answers the total it names (-1 for *). */
    private long checkRange(long from, Header contentRange) throws IOException {
        Matcher range = contentRange == null ? null : CONTENT_RANGE.matcher(contentRange.getValue());
        if (range == null || !range.matches() || Long.parseLong(range.group(1)) != from
                || expectedSize >= 0 && !range.group(2).equals("*") && Long.parseLong(range.group(2)) != expectedSize) {
            throw new IOException(label + ": asked for bytes from " + from + ", storage answered the range "
                    + (contentRange == null ? "(none)" : contentRange.getValue()));
        }
        return range.group(2).equals("*") ? -1 : Long.parseLong(range.group(2));
    }

    private void refresh(String why) throws IOException {
        file = relister.refresh(file).orElseThrow(() -> new IOException(label + ": " + why
                + ", and the platform no longer lists it"));
        if (expired(file)) {
            throw new IOException(label + ": " + why + "; listed again, it expires at " + file.expiresAt());
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost()) && a.getPort() == b.getPort();
    }

    /** Storage checks a URL's expiry when a request starts: one that has not expired yet is worth trying. */
    private static boolean expired(OutputFile file) {
        return file.expiresAt() != null && !Instant.now().isBefore(file.expiresAt());
    }

    private void finish() throws IOException {
        if (expectedSize >= 0 && bytesRead() != expectedSize) {
            throw new IOException(label + ": the body ended after " + bytesRead() + " of " + expectedSize + " bytes");
        }
        markComplete(file.sha256(), label);
    }

    /** Cuts the current connection, if any, so the next read starts a new one. */
    private void drop() {
        if (body instanceof RangePipeline pipeline) {
            pipeline.close();
        }
        rangeRequests.forEach(HttpGet::cancel);
        if (request != null) {
            request.cancel();
        }
        if (response != null) {
            try {
                response.close();
            } catch (IOException e) {
                // The connection was cut on purpose.
            }
        }
        request = null;
        response = null;
        body = null;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        if (!isComplete()) {
            // Closing an unfinished response would read the rest of the body to keep the connection: cut it instead.
            drop();
        } else if (response != null) {
            ClassicHttpResponse done = response;
            response = null;
            done.close();
        }
    }

    @Override
    public String toString() {
        return "DownloadStream[" + label + "]";
    }
}

package dev.jobharvester.download;

import java.time.Duration;
import java.time.Instant;
import org.apache.hc.client5.http.utils.DateUtils;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpResponse;

/** What a server's {@code Retry-After} asks for: seconds, or an HTTP date. */
public final class RetryAfter {

    /** A wait longer than this is not sat out within one poll: the next poll asks again. */
    public static final long MAX_WAIT_MILLIS = 60_000;

    private RetryAfter() {
    }

    /** Milliseconds the answer asks the client to wait, or -1 when it does not say (or says something unreadable). */
    public static long millis(HttpResponse response) {
        Header header = response.getFirstHeader(HttpHeaders.RETRY_AFTER);
        if (header == null) {
            return -1;
        }
        String value = header.getValue().trim();
        if (value.matches("\\d{1,9}")) {
            return Long.parseLong(value) * 1000;
        }
        Instant at = DateUtils.parseStandardDate(value);
        return at == null ? -1 : Math.max(0, Duration.between(Instant.now(), at).toMillis());
    }
}

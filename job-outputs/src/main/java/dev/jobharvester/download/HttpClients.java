package dev.jobharvester.download;

import java.security.NoSuchAlgorithmException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The one HTTP client a component shares: pooled keep-alive connections, bounded connect and read waits, and nothing
 * else. It is HttpClient's minimal client: no redirects (a download follows storage's itself, each location checked
 * against the download policy; the API's answers are taken as they come), no authentication exchanges (the harvester
 * sends its own Authorization header), no cookies, no retries (the harvester's own decision, per class of failure),
 * no decompression (bytes must arrive as stored for the size and checksum checks). The full client's chain parsed
 * every request's URL again, query included, for an authentication scope the harvester never uses: a quarter of its
 * work per small file.
 */
public final class HttpClients {

    /** What every request of the harvester says it comes from. */
    public static final String USER_AGENT = "job-harvester";

    private HttpClients() {
    }

    /**
     * @param connectTimeoutMillis how long to wait for a TCP connection
     * @param readTimeoutMillis    how long a read may wait for the next bytes before the connection counts as dead
     * @param maxConnections       connections kept per host and in all
     */
    public static CloseableHttpClient create(long connectTimeoutMillis, long readTimeoutMillis, int maxConnections) {
        ConnectionConfig connections = ConnectionConfig.custom()
                .setConnectTimeout(Timeout.of(connectTimeoutMillis, TimeUnit.MILLISECONDS))
                .setSocketTimeout(Timeout.of(readTimeoutMillis, TimeUnit.MILLISECONDS))
                // A connection idle this long may have been closed by the server: it is checked before it is used.
                .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                .build();
        return org.apache.hc.client5.http.impl.classic.HttpClients.createMinimal(
                PoolingHttpClientConnectionManagerBuilder.create()
                        .setDefaultConnectionConfig(connections)
                        .setMaxConnPerRoute(maxConnections)
                        .setMaxConnTotal(maxConnections)
                        .setTlsSocketStrategy(new DefaultClientTlsStrategy(defaultTls()))
                        .build());
    }

    /**
     * Builds ahead what every client's TLS takes, on the calling thread: the JDK's default TLS context and the public
     * suffix list that checks host names.
     */
    public static void prepare() {
        // The JDK's part first: the client library's classes wait for logging to be set up, which its own does not.
        SSLContext tls = defaultTls();
        new DefaultClientTlsStrategy(tls);
    }

    /**
     * The JDK's default TLS context (its trust store the system's, or javax.net.ssl.trustStore's), built once for the
     * JVM: a context of a client's own read and parsed the trust store again, 90 ms of a one-shot harvest's start.
     */
    private static SSLContext defaultTls() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }
}

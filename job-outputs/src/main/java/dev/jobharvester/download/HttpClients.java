package dev.jobharvester.download;

import java.security.NoSuchAlgorithmException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.util.Timeout;

/** The one HTTP client a component shares: pooled keep-alive connections, bounded connect and read waits. */
public final class HttpClients {

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
                .build();
        return org.apache.hc.client5.http.impl.classic.HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDefaultConnectionConfig(connections)
                        .setMaxConnPerRoute(maxConnections)
                        .setMaxConnTotal(maxConnections)
                        .setTlsSocketStrategy(new DefaultClientTlsStrategy(defaultTls()))
                        .build())
                // Bytes must arrive as stored: decompression would defeat the size and checksum checks.
                .disableContentCompression()
                // Retries are the harvester's own decision, per class of failure.
                .disableAutomaticRetries()
                .disableCookieManagement()
                .setUserAgent("job-harvester")
                .build();
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

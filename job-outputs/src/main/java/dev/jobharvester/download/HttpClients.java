package dev.jobharvester.download;

import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
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
                        .build())
                // Bytes must arrive as stored: decompression would defeat the size and checksum checks.
                .disableContentCompression()
                // Retries are the harvester's own decision, per class of failure.
                .disableAutomaticRetries()
                .disableCookieManagement()
                .setUserAgent("job-harvester")
                .build();
    }
}

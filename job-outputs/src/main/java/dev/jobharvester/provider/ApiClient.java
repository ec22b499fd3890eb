package dev.jobharvester.provider;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jobharvester.common.Backoff;
import dev.jobharvester.download.HttpClients;
import dev.jobharvester.download.RetryAfter;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpPut;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls one platform's JSON API. The API key is sent on requests to the API base URL only, and redirects are not
 * followed, so the key cannot travel to another host.
 */
public class ApiClient {

    /**
     * Field names not interned: a listing's names may be its files' paths, each seen once, and interning 10,000 of them
     * took a cold parse 41-42 ms against 30-33 (warm: 13-21 against 5-9). Names that repeat, as in an array of
     * objects, are still shared through Jackson's symbol table: without it such a parse took longer.
     */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES).build());
    private static final Logger LOG = LoggerFactory.getLogger(ApiClient.class);

    private final String provider;
    private final CloseableHttpClient http;
    private final String baseUrl;
    /** The base URL's path, cut from request URIs so that messages show the API's own paths. */
    private final String basePath;
    private final String authorization;
    private final Function<JsonNode, String> errorMessage;
    private final int retries;
    private final CircuitBreaker circuit;
    private volatile ApiStatus status = ApiStatus.NOT_ASKED_YET;
    /** Until when (System.nanoTime) the platform asked, with Retry-After, not to be called: every call waits. */
    private volatile long quietUntilNanos = System.nanoTime();

    /**
     * @param authorization the whole {@code Authorization} header value (scheme included), or null for none
     * @param errorMessage  reads the human message out of the platform's error body
     * @param retries       how often a request is sent again after a transient failure
     */
    public ApiClient(String provider, CloseableHttpClient http, String baseUrl, String authorization,
            Function<JsonNode, String> errorMessage, int retries) {
        this.retries = retries;
        this.circuit = new CircuitBreaker(provider);
        this.provider = provider;
        this.http = http;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.basePath = URI.create(this.baseUrl).getRawPath();
        this.authorization = authorization;
        this.errorMessage = errorMessage;
    }

    /** GETs {@code baseUrl + path} and parses the JSON answer; any non-2xx answer is a ProviderException. */
    public JsonNode get(String jobId, String path) throws IOException {
        return send(jobId, () -> new HttpGet(URI.create(baseUrl + path)));
    }

    /** PUTs to {@code baseUrl + path} without a body and parses the JSON answer. */
    public JsonNode put(String jobId, String path) throws IOException {
        return send(jobId, () -> new HttpPut(URI.create(baseUrl + path)));
    }

    /** POSTs a JSON body to {@code baseUrl + path} and parses the JSON answer. */
    public JsonNode post(String jobId, String path, String jsonBody) throws IOException {
        return send(jobId, () -> {
            HttpPost post = new HttpPost(URI.create(baseUrl + path));
            post.setEntity(new StringEntity(jsonBody, ContentType.APPLICATION_JSON));
            return post;
        });
    }

    /** The Authorization header for a URL under the API base URL; null for any other URL, so the key stays home. */
    public String authorizationFor(URI location) {
        String url = location.toString();
        return url.startsWith(baseUrl + "/") ? authorization : null;
    }

    /** A value made safe for one path segment or query value. */
    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The platform's name, as messages about its calls begin. */
    public String provider() {
        return provider;
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** Whether the API answered its last call; health checks and metrics read it. */
    public ApiStatus status() {
        return status;
    }

    private void answered() {
        circuit.succeeded();
        if (!status.answering() || status.since() == null) {
            status = new ApiStatus(true, Instant.now(), null);
        }
    }

    private void failed(IOException failure) {
        circuit.failed();
        status = new ApiStatus(false, status.answering() ? Instant.now() : status.since(), failure.getMessage());
    }

    /**
     * Sends a request, again after a connection failure, a 429 or a 5xx, waiting as {@code Retry-After} says or
     * with backoff; any other 4xx is answered at once. While the circuit is open, fails at once without a request.
     */
    private JsonNode send(String jobId, Supplier<HttpUriRequestBase> requests) throws IOException {
        circuit.check();
        for (int attempt = 0;; attempt++) {
            awaitQuiet();
            HttpUriRequestBase request = requests.get();
            request.setHeader(HttpHeaders.USER_AGENT, HttpClients.USER_AGENT);
            request.setHeader(HttpHeaders.ACCEPT, "application/json");
            if (authorization != null) {
                request.setHeader(HttpHeaders.AUTHORIZATION, authorization);
            }
            String what = request.getMethod() + " " + request.getRequestUri().substring(basePath.length());
            IOException failure;
            long wait;
            try {
                JsonNode answer = http.execute(request, response -> parse(jobId, what, response));
                answered();
                return answer;
            } catch (ProviderException e) {
                if (!e.isTransient()) {
                    answered();
                    throw e;
                }
                failure = e;
                wait = e.retryAfterMillis() >= 0 ? e.retryAfterMillis() : Backoff.millis(attempt);
                if (e.retryAfterMillis() >= 0) {
                    quietFor(e.retryAfterMillis());
                }
            } catch (IOException e) {
                failure = e;
                wait = Backoff.millis(attempt);
            }
            if (attempt >= retries || wait > RetryAfter.MAX_WAIT_MILLIS) {
                failed(failure);
                throw failure;
            }
            LOG.info("{} (attempt {} of {}; trying again in {} ms)", failure.getMessage(), attempt + 1, retries + 1,
                    wait);
            Backoff.sleep(wait);
        }
    }

    /**
     * A Retry-After holds back every call to the platform, not only the one it answered: status checks run side by
     * side, and each would otherwise spend its own request on finding the limit.
     */
    private synchronized void quietFor(long millis) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(millis, RetryAfter.MAX_WAIT_MILLIS));
        if (until - quietUntilNanos > 0) {
            quietUntilNanos = until;
        }
    }

    private void awaitQuiet() {
        long left = quietUntilNanos - System.nanoTime();
        if (left > 0) {
            Backoff.sleep(TimeUnit.NANOSECONDS.toMillis(left) + 1);
        }
    }

    private JsonNode parse(String jobId, String what, ClassicHttpResponse response) throws IOException {
        int status = response.getCode();
        JsonNode body = readJson(response.getEntity());
        if (status / 100 != 2) {
            String message = body == null ? null : errorMessage.apply(body);
            throw new ProviderException(provider, jobId, what + " answered " + status
                    + (message == null || message.isBlank() ? "" : ": " + message), status, RetryAfter.millis(response));
        }
        if (body == null) {
            throw new ProviderException(provider, jobId, what + " answered " + status + " with a body that is not JSON");
        }
        return body;
    }

    private static JsonNode readJson(HttpEntity entity) {
        if (entity == null) {
            return null;
        }
        try (InputStream in = entity.getContent()) {
            JsonNode node = JSON.readTree(in);
            return node == null || node.isMissingNode() ? null : node;
        } catch (IOException e) {
            return null;
        }
    }
}

package dev.jobharvester.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A stand-in for the platforms: their job APIs on one host and an S3-like storage host on another, both on
 * 127.0.0.1. Storage URLs are signed and really expire; a request that carries an Authorization header as well
 * as a signature is refused, as S3 does. Everything answered is kept in a {@link RequestLog}.
 * <p>
 * Over 300 lines because the storage host (signing, expiry, ranges, faults) lives here beside the API hosts it
 * serves; each platform's API is a class of its own.
 */
public final class Simulator implements AutoCloseable {

    public static final String BUCKET = "outputs";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");
    private static final int CHUNK = 64 * 1024;

    static {
        // The JDK server writes headers and body separately: without TCP_NODELAY each small response waits ~40 ms
        // for a delayed ACK. Read once, when the first server of the JVM is created.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final Map<String, SimulatedApi> apis = new LinkedHashMap<>();
    /** APIs that are not platforms, such as a benchmark's controls, served beside them. */
    private final Map<String, SimulatedApi> controls = new ConcurrentHashMap<>();
    private final Map<String, Map<String, SimJob>> jobs = new ConcurrentHashMap<>();
    /** Storage objects that are not a job's output files, such as Pixxel's job packages, by object path. */
    private final Map<String, SimFile> objects = new ConcurrentHashMap<>();
    private final RequestLog log = new RequestLog();
    private final List<ApiFault> apiFaults = new CopyOnWriteArrayList<>();
    private final byte[] signingKey = new byte[32];
    private volatile Duration urlTtl = Duration.ofHours(1);
    private volatile boolean openStorage;
    private final Map<SimJob, Map<String, SimFile>> fileIndex = new IdentityHashMap<>();
    private HttpServer apiHost;
    private HttpServer storageHost;
    private int apiPortWhileStopped;
    /** How long each API call waits before it is answered, as a distant platform's would. */
    private volatile Duration apiLatency = Duration.ZERO;
    /** Told the path of every API call, before it is answered. */
    private volatile Consumer<String> apiCalls = path -> { };
    private ExecutorService executor;

    public Simulator(SimulatedApi... platforms) {
        for (SimulatedApi api : platforms) {
            apis.put(api.name(), api);
            jobs.put(api.name(), new ConcurrentHashMap<>());
        }
        new SecureRandom().nextBytes(signingKey);
    }

    /** A simulator of every platform, each accepting the key {@code sim-<platform>-key}. */
    public static Simulator allPlatforms() {
        return new Simulator(new TensorPoolApi("sim-tensorpool-key"), new PixxelApi("sim-pixxel-key"),
                new ArchetypeApi("sim-archetype-key"), new ChutesApi("sim-chutes-key"),
                new OpenAiBatchApi("sim-openai-batch-key"), new ReplicateApi("sim-replicate-key"));
    }

    /** A simulator of every platform, started on free ports (for a field initializer, hence unchecked). */
    public static Simulator started() {
        try {
            return allPlatforms().start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the simulator", e);
        }
    }

    /** Starts both hosts on free ports of 127.0.0.1 ({@code apiPort} 0 for any). */
    public Simulator start(int apiPort) throws IOException {
        executor = Executors.newCachedThreadPool(daemonThreads());
        apiHost = host(apiPort, this::serveApi);
        storageHost = host(0, this::serveStorage);
        return this;
    }

    private HttpServer host(int port, HttpHandler handler) throws IOException {
        HttpServer host = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        host.createContext("/", handler);
        host.setExecutor(executor);
        host.start();
        return host;
    }

    /** Serves one more API under {@code /<name>} on the API host, such as a benchmark's controls. */
    public void serve(SimulatedApi api) {
        controls.put(api.name(), api);
    }

    public void apiLatency(Duration latency) {
        this.apiLatency = latency;
    }

    /** Tells {@code listener} the path of every API call from now on. */
    public void onApiCall(Consumer<String> listener) {
        this.apiCalls = listener;
    }

    /** Takes the API host down (connections are refused) while storage keeps serving, as in a platform outage. */
    public void stopApi() {
        apiPortWhileStopped = apiHost.getAddress().getPort();
        apiHost.stop(0);
    }

    /** Brings the API host back on the port it had. */
    public void restartApi() throws IOException {
        apiHost = host(apiPortWhileStopped, this::serveApi);
    }

    public Simulator start() throws IOException {
        return start(0);
    }

    @Override
    public void close() {
        if (apiHost != null) {
            apiHost.stop(0);
            storageHost.stop(0);
            executor.shutdownNow();
        }
    }

    /** The platforms this simulator speaks. */
    public List<String> platforms() {
        return List.copyOf(apis.keySet());
    }

    public String apiUrl(String platform) {
        int port = apiPortWhileStopped != 0 ? apiPortWhileStopped : apiHost.getAddress().getPort();
        return "http://127.0.0.1:" + port + "/" + platform;
    }

    public String apiKey(String platform) {
        return api(platform).apiKey();
    }

    public int storagePort() {
        return storageHost.getAddress().getPort();
    }

    public RequestLog requests() {
        return log;
    }

    /** How long storage URLs handed out from now on stay valid. */
    public void urlTtl(Duration ttl) {
        this.urlTtl = ttl;
    }

    public SimJob addJob(String platform, SimJob job) {
        api(platform);
        jobs.get(platform).put(job.id(), job);
        return job;
    }

    public SimJob job(String platform, String id) {
        return jobs.get(platform).get(id);
    }

    public List<SimJob> jobs(String platform) {
        return new ArrayList<>(jobs.get(platform).values());
    }

    private SimulatedApi api(String platform) {
        SimulatedApi api = apis.get(platform);
        if (api == null) {
            throw new IllegalArgumentException("the simulator does not speak " + platform);
        }
        return api;
    }

    /**
     * Makes the next {@code count} API requests whose path starts with {@code pathPrefix} (e.g.
     * {@code /tensorpool/job/info/}) answer {@code status}, with a Retry-After header when {@code retryAfter} is set.
     */
    public void failNext(String pathPrefix, int count, int status, String retryAfter) {
        apiFaults.add(new ApiFault(pathPrefix, new AtomicInteger(count), status, retryAfter, null));
    }

    /** Makes the next {@code count} API requests whose path starts with {@code pathPrefix} answer this raw body. */
    public void answerNext(String pathPrefix, int count, String body) {
        apiFaults.add(new ApiFault(pathPrefix, new AtomicInteger(count), 200, null, body));
    }

    private record ApiFault(String pathPrefix, AtomicInteger left, int status, String retryAfter, String body) {
    }

    /** How long storage URLs handed out from now on stay valid. */
    public Duration urlTtl() {
        return urlTtl;
    }

    /** Puts an object in storage beside the job's output files, under the same path scheme. */
    public void publish(String platform, String jobId, SimFile object) {
        objects.put(objectPath(platform, jobId, object.path()), object);
    }

    /** Successful downloads of one file, from storage or, for a platform that serves files itself, its API host. */
    public long downloads(String platform, String jobId, String path) {
        SimJob job = job(platform, jobId);
        String apiPath = job == null ? null : job.files().stream().filter(f -> f.path().equals(path)).findFirst()
                .map(f -> api(platform).downloadPath(job, f)).orElse(null);
        return apiPath != null ? log.served("api", "/" + platform + apiPath)
                : log.served("storage", objectPath(platform, jobId, path));
    }

    /**
     * What is wrong with a job's delivery into a folder: files missing or unlike the source, files served more than
     * once. Empty when every file is there, whole, and was fetched once.
     */
    public List<String> deliveryFaults(String platform, SimJob job, Path jobFolder) throws IOException {
        List<String> faults = new ArrayList<>();
        for (SimFile file : job.files()) {
            if (!file.deliveredUnder(jobFolder)) {
                faults.add(file.path() + ": missing, or not the source's bytes");
            }
            long served = downloads(platform, job.id(), file.path());
            if (served != 1) {
                faults.add(file.path() + ": served " + served + " times");
            }
        }
        return faults;
    }

    private static String objectPath(String platform, String jobId, String path) {
        return "/" + BUCKET + "/" + platform + "/" + jobId + "/" + path;
    }

    /** A signed storage URL for one output file, valid for the current URL lifetime. */
    public String presign(String platform, String jobId, String path) {
        return presign(platform, jobId, path, urlTtl);
    }

    /** A signed storage URL for one output file, valid for {@code ttl} (negative: expired already). */
    public String presign(String platform, String jobId, String path, Duration ttl) {
        String objectPath = objectPath(platform, jobId, path);
        long date = Instant.now().getEpochSecond();
        long expires = ttl.toSeconds();
        StringBuilder encodedPath = new StringBuilder();
        for (String segment : objectPath.substring(1).split("/")) {
            encodedPath.append('/').append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return "http://127.0.0.1:" + storagePort() + encodedPath + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date="
                + date + "&X-Amz-Expires=" + expires + "&X-Amz-Signature=" + sign(objectPath, date, expires);
    }

    private String sign(String objectPath, long date, long expires) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(signingKey, "HmacSHA256"));
            byte[] digest = mac.doFinal((objectPath + "\n" + date + "\n" + expires).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public ObjectNode object() {
        return JSON.createObjectNode();
    }

    public void json(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        respond(exchange, status, bytes);
    }

    private void respond(HttpExchange exchange, int status, byte[] bytes) throws IOException {
        record(exchange, status);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private void serveApi(HttpExchange exchange) throws IOException {
        // Not try-with-resources: a dropped connection must leave the exchange unclosed, so the server cuts the socket.
        String path = exchange.getRequestURI().getPath();
        int slash = path.indexOf('/', 1);
        String platform = slash < 0 ? path.substring(1) : path.substring(1, slash);
        SimulatedApi api = apis.containsKey(platform) ? apis.get(platform) : controls.get(platform);
        apiCalls.accept(path);
        if (!apiLatency.isZero() && !controls.containsKey(platform)) {
            try {
                Thread.sleep(apiLatency.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ApiFault fault = apiFaults.stream().filter(f -> path.startsWith(f.pathPrefix())
                && f.left().getAndUpdate(n -> Math.max(0, n - 1)) > 0).findFirst().orElse(null);
        if (fault != null) {
            if (fault.retryAfter() != null) {
                exchange.getResponseHeaders().set("Retry-After", fault.retryAfter());
            }
            if (fault.body() != null) {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                respond(exchange, fault.status(), fault.body().getBytes(StandardCharsets.UTF_8));
            } else {
                json(exchange, fault.status(), object().put("message", "injected fault").put("detail", "injected fault"));
            }
        } else if (api == null) {
            json(exchange, 404, object().put("detail", "Not Found"));
        } else {
            api.handle(exchange, slash < 0 ? "/" : path.substring(slash), this);
        }
        exchange.close();
    }

    private void serveStorage(HttpExchange exchange) throws IOException {
        // Not try-with-resources: a dropped connection must leave the exchange unclosed, so the server cuts the socket.
        answerStorage(exchange);
        exchange.close();
    }

    private void answerStorage(HttpExchange exchange) throws IOException {
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        String objectPath = exchange.getRequestURI().getPath();
        String[] parts = objectPath.split("/", 5);
        SimJob job = parts.length == 5 && parts[1].equals(BUCKET) && jobs.containsKey(parts[2])
                ? job(parts[2], parts[3]) : null;
        SimFile file = job == null ? null : Optional.ofNullable(filesByPath(job).get(parts[4]))
                .orElse(objects.get(objectPath));
        boolean signed = query.containsKey("X-Amz-Signature");
        if (exchange.getRequestHeaders().containsKey("Authorization")) {
            s3Error(exchange, 400, "InvalidArgument", "Only one auth mechanism allowed");
        } else if (!signed && openStorage && parts.length == 5 && parts[4].isEmpty() && job != null) {
            index(exchange, job);
        } else if (!signed && !openStorage) {
            s3Error(exchange, 403, "AccessDenied", "Access Denied");
        } else if (signed && !validSignature(objectPath, query)) {
            s3Error(exchange, 403, "SignatureDoesNotMatch", "The request signature we calculated does not match");
        } else if (signed && Instant.now().getEpochSecond() > Long.parseLong(query.get("X-Amz-Date"))
                + Long.parseLong(query.get("X-Amz-Expires"))) {
            s3Error(exchange, 403, "AccessDenied", "Request has expired");
        } else if (file == null) {
            s3Error(exchange, 404, "NoSuchKey", "The specified key does not exist.");
        } else {
            String busy = file.takeBusy();
            if (busy != null) {
                exchange.getResponseHeaders().set("Retry-After", busy);
                s3Error(exchange, 503, "SlowDown", "Please reduce your request rate.");
            } else {
                sendFile(exchange, file);
            }
        }
    }

    /** A job's files by path: a benchmark's job has tens of thousands, and every GET looks one up. */
    private Map<String, SimFile> filesByPath(SimJob job) {
        synchronized (fileIndex) {
            return fileIndex.computeIfAbsent(job, j -> {
                Map<String, SimFile> byPath = new HashMap<>();
                j.files().forEach(f -> byPath.putIfAbsent(f.path(), f));
                return byPath;
            });
        }
    }

    /**
     * Lets storage answer unsigned GETs, and a job's folder ({@code /sim-bucket/{platform}/{job}/}) with an HTML index
     * of its files, as a web server's directory listing: what rclone's http backend reads. For benchmarks only.
     */
    public void openStorage() {
        openStorage = true;
    }

    private void index(HttpExchange exchange, SimJob job) throws IOException {
        StringBuilder html = new StringBuilder("<html><body>\n");
        for (SimFile file : job.files()) {
            html.append("<a href=\"").append(file.path()).append("\">").append(file.path()).append("</a>\n");
        }
        exchange.getResponseHeaders().set("Content-Type", "text/html");
        respond(exchange, 200, html.append("</body></html>\n").toString().getBytes(StandardCharsets.UTF_8));
    }

    private boolean validSignature(String objectPath, Map<String, String> query) {
        try {
            return sign(objectPath, Long.parseLong(query.get("X-Amz-Date")), Long.parseLong(query.get("X-Amz-Expires")))
                    .equals(query.get("X-Amz-Signature"));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void s3Error(HttpExchange exchange, int status, String code, String message) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/xml");
        respond(exchange, status, ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code
                + "</Code><Message>" + message + "</Message></Error>").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Sends a file's bytes, honouring a {@code Range: bytes=N-} or {@code bytes=N-M} request (unless an {@code If-Range}
     * names other bytes than the file's: then the whole file, as RFC 9110 says) and the file's faults.
     */
    void sendFile(HttpExchange exchange, SimFile file) throws IOException {
        Content content = file.content();
        long size = content.size();
        long start = 0;
        long end = size - 1;
        int status = 200;
        Matcher range = RANGE.matcher(String.valueOf(exchange.getRequestHeaders().getFirst("Range")));
        String ifRange = exchange.getRequestHeaders().getFirst("If-Range");
        if (range.matches() && !file.ignoresRange() && (ifRange == null || ifRange.equals(content.etag()))) {
            start = Long.parseLong(range.group(1));
            end = range.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(range.group(2)));
            if (start >= size || end < start) {
                exchange.getResponseHeaders().set("Content-Range", "bytes */" + size);
                respond(exchange, 416, new byte[0]);
                return;
            }
            status = 206;
            exchange.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + end + "/" + size);
        }
        long length = end - start + 1;
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
        exchange.getResponseHeaders().set("ETag", content.etag());
        boolean head = exchange.getRequestMethod().equals("HEAD");
        record(exchange, status);
        exchange.sendResponseHeaders(status, head ? -1 : file.isChunked() ? 0 : length == 0 ? -1 : length);
        if (head) {
            return;
        }
        long abortAt = file.takeAbortPoint();
        long rate = file.bytesPerSecond();
        long sent = 0;
        long began = System.nanoTime();
        byte[] buffer = new byte[rate > 0 ? (int) Math.max(1, Math.min(CHUNK, rate / 20)) : CHUNK];
        OutputStream out = exchange.getResponseBody();
        try (InputStream in = content.open(start)) {
            for (int n = in.read(buffer, 0, (int) Math.min(buffer.length, length)); n > 0 && sent < length;
                    n = in.read(buffer, 0, (int) Math.min(buffer.length, length - sent))) {
                if (abortAt >= 0 && sent + n > abortAt) {
                    out.write(buffer, 0, (int) (abortAt - sent));
                    out.flush();
                    file.served(abortAt - sent);
                    // An exception out of the handler makes the server close the socket mid-body.
                    throw new IllegalStateException("simulated connection drop after " + abortAt + " bytes");
                }
                out.write(buffer, 0, n);
                file.served(n);
                sent += n;
                if (rate > 0) {
                    pace(began, sent, rate);
                }
            }
            out.close();
        } catch (IOException e) {
            // The client went away; nothing to answer.
        }
    }

    private static void pace(long began, long sent, long rate) {
        long due = began + sent * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void record(HttpExchange exchange, int status) {
        StringBuilder raw = new StringBuilder(exchange.getRequestURI().toString());
        exchange.getRequestHeaders().forEach((name, values) -> raw.append('\n').append(name).append(": ").append(values));
        String host = exchange.getHttpContext().getServer() == apiHost ? "api" : "storage";
        log.add(new RequestLog.Entry(Instant.now(), host, exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders().getFirst("Authorization"),
                exchange.getRequestHeaders().getFirst("Range"), status, raw.toString()));
    }

    /** The decoded query parameters of a raw query string. */
    static Map<String, String> query(String raw) {
        Map<String, String> params = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return params;
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "simulator-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}

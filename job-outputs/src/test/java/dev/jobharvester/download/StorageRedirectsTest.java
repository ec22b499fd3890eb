package dev.jobharvester.download;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.jobharvester.common.OutputFile;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.RequestLog;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Storage that answers a download with a redirect: a platform's download endpoint that sends the client on to
 * presigned storage, a CDN, or a hostile answer pointing inside the harvester's own network. The redirecting host is a
 * plain HTTP server on a port of its own, so the simulator's storage behind it is another origin.
 */
class StorageRedirectsTest {

    private static final String KEY = "Bearer platform-api-key";

    @AutoClose
    private final Simulator simulator = Simulator.started();
    private final ExecutorService workers = Executors.newCachedThreadPool();
    private final List<String> redirectorSaw = new CopyOnWriteArrayList<>();
    private HttpServer redirector;
    private CloseableHttpClient http;
    private SimFile file;

    @BeforeEach
    void start() {
        http = HttpClients.create(2_000, 5_000, 4);
        file = SimFile.of("dir/data.bin", 1_000_000);
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("job", JobScript.always("completed"), file));
    }

    @AfterEach
    void stop() throws IOException {
        if (redirector != null) {
            redirector.stop(0);
        }
        http.close();
        workers.shutdownNow();
    }

    /** A host that answers every GET with a redirect to where {@code location} sends its path. */
    private URI redirecting(int status, Function<String, String> location) throws IOException {
        redirector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        redirector.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            redirectorSaw.add(path + " " + exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.getResponseHeaders().add("Location", location.apply(path));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        redirector.start();
        return URI.create("http://127.0.0.1:" + redirector.getAddress().getPort() + "/download/" + file.path());
    }

    private DownloadStream download(URI at, int segments) {
        return new DownloadStream(http, OutputFile.of(file.path(), at, -1), "tensorpool/job/dir/data.bin", KEY,
                stale -> Optional.empty(), () -> true, DownloadStreamTest.options(0, segments, 128 * 1024, workers));
    }

    private List<RequestLog.Entry> storageRequests() {
        return simulator.requests().matching(e -> e.host().equals("storage"));
    }

    @Test
    void aRedirectWithinThePolicyIsFollowedAndTheKeyStaysWithItsOrigin() throws IOException {
        String presigned = simulator.presign(TensorPoolApi.NAME, "job", file.path());
        for (int status : new int[] {301, 302, 303, 307, 308}) {
            redirectorSaw.clear();
            simulator.requests().clear();
            try (DownloadStream stream = download(redirecting(status, path -> presigned), 1)) {
                stream.transferTo(OutputStream.nullOutputStream());
                assertThat(stream.sha256()).as("after a %d", status).isEqualTo(file.sha256());
            }
            redirector.stop(0);
            redirector = null;
            assertThat(redirectorSaw).containsExactly("/download/dir/data.bin " + KEY);
            assertThat(storageRequests()).hasSize(1);
            assertThat(storageRequests().get(0).authorization()).as("the key at storage").isNull();
        }
    }

    @Test
    void theRangesOfASegmentedDownloadAreAskedWhereTheRedirectLed() throws IOException {
        String presigned = simulator.presign(TensorPoolApi.NAME, "job", file.path());
        try (DownloadStream stream = download(redirecting(302, path -> presigned), 3)) {
            stream.transferTo(OutputStream.nullOutputStream());
            assertThat(stream.sha256()).isEqualTo(file.sha256());
        }
        assertThat(redirectorSaw).hasSize(1);
        assertThat(storageRequests()).hasSize((int) ((file.size() + 128 * 1024 - 1) / (128 * 1024)));
        assertThat(storageRequests()).allSatisfy(e -> assertThat(e.authorization()).isNull());
    }

    @Test
    void aRedirectToAHostOutsideThePolicyIsRefusedBeforeItIsAsked() throws IOException {
        String inside = simulator.presign(TensorPoolApi.NAME, "job", file.path()).replace("//127.0.0.1:", "//localhost:");
        try (DownloadStream stream = download(redirecting(302, path -> inside), 1)) {
            assertThatThrownBy(() -> stream.transferTo(OutputStream.nullOutputStream()))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("tensorpool/job/dir/data.bin: storage redirected ")
                    .hasMessageContaining("which is refused: the host 'localhost' is not among the allowed hosts")
                    .hasMessageNotContaining("X-Amz-Signature");
            assertThat(stream.isComplete()).isFalse();
        }
        assertThat(storageRequests()).isEmpty();
    }

    @Test
    void aRedirectLoopEndsAfterFiveRedirects() throws IOException {
        try (DownloadStream stream = download(redirecting(302, path -> path + "x"), 1)) {
            assertThatThrownBy(() -> stream.transferTo(OutputStream.nullOutputStream()))
                    .isInstanceOf(IOException.class).hasMessageContaining("which is refused: more than 5 redirects");
        }
        assertThat(redirectorSaw).hasSize(6);
        assertThat(redirectorSaw).allSatisfy(seen -> assertThat(seen).endsWith(" " + KEY));
    }
}

package dev.jobharvester.download;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobharvester.common.OutputFile;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.RequestLog;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The download stream against the simulator's storage host. */
class DownloadStreamTest {

    @AutoClose
    private final Simulator simulator = Simulator.started();
    private CloseableHttpClient http;
    private SimFile file;
    private final ExecutorService workers = Executors.newCachedThreadPool();

    @BeforeEach
    void start() throws IOException {
        // A short read timeout: a test that waits for it has failed anyway.
        http = HttpClients.create(2_000, 5_000, 4);
        file = SimFile.of("dir/data.bin", 1_000_000);
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("job", JobScript.always("completed"), file));
    }

    @AfterEach
    void stop() throws IOException {
        http.close();
        workers.shutdownNow();
    }

    /** Files may come from the simulator's address only. */
    static DownloadStream.Options options(int maxResumes, int segments, int segmentSize, ExecutorService workers) {
        return new DownloadStream.Options(maxResumes, Duration.ofSeconds(30), segments, segmentSize, workers,
                new DownloadPolicy(Set.of("127.0.0.1"), true));
    }

    private DownloadStream.Options options(int maxResumes, int segments, int segmentSize) {
        return options(maxResumes, segments, segmentSize, workers);
    }

    private DownloadStream download(long promisedSize) {
        return download(promisedSize, () -> true);
    }

    private DownloadStream download(long promisedSize, BooleanSupplier jobHeld) {
        URI url = URI.create(simulator.presign(TensorPoolApi.NAME, "job", file.path()));
        return new DownloadStream(http, OutputFile.of(file.path(), url, promisedSize), "tensorpool/job/dir/data.bin",
                null, stale -> Optional.empty(), jobHeld, options(0, 1, 0));
    }

    @Test
    void opensOnFirstReadAndTakesTheSha256OnTheWay() throws IOException {
        try (DownloadStream stream = download(-1)) {
            assertThat(simulator.requests().entries()).isEmpty();
            assertThat(stream.isOpened()).isFalse();
            stream.transferTo(OutputStream.nullOutputStream());
            assertThat(stream.isComplete()).isTrue();
            assertThat(stream.bytesRead()).isEqualTo(file.size());
            assertThat(stream.sha256()).isEqualTo(file.sha256());
        }
    }

    @Test
    void aReadAfterTheJobsLeaseWasLostFailsAndTheFileIsNotComplete() throws IOException {
        AtomicBoolean held = new AtomicBoolean(true);
        try (DownloadStream stream = download(file.size(), held::get)) {
            byte[] buffer = new byte[100_000];
            assertThat(stream.read(buffer)).isPositive();
            held.set(false);
            assertThatThrownBy(() -> stream.readAllBytes()).hasMessageContaining("lost its lease");
            assertThat(stream.isComplete()).isFalse();
        }
    }

    /** A segmented download of a file whose size the listing did not give, as TensorPool's does not. */
    private DownloadStream segmented(int segments, int segmentSize, int maxResumes) {
        URI url = URI.create(simulator.presign(TensorPoolApi.NAME, "job", file.path()));
        return new DownloadStream(http, OutputFile.of(file.path(), url, -1), "tensorpool/job/dir/data.bin",
                null, stale -> Optional.empty(), () -> true,
                options(maxResumes, segments, segmentSize));
    }

    private List<String> rangesAsked() {
        return simulator.requests().matching(e -> e.host().equals("storage")).stream().map(RequestLog.Entry::range)
                .toList();
    }

    @Test
    void aSegmentedDownloadAsksForEachRangeOnceAndStreamsTheBytesInOrder() throws IOException {
        try (DownloadStream stream = segmented(3, 128 * 1024, 0)) {
            stream.transferTo(OutputStream.nullOutputStream());
            assertThat(stream.isComplete()).isTrue();
            assertThat(stream.sha256()).isEqualTo(file.sha256());
        }
        List<String> ranges = new ArrayList<>();
        for (long from = 0; from < file.size(); from += 128 * 1024) {
            ranges.add("bytes=" + from + "-" + (Math.min(file.size(), from + 128 * 1024) - 1));
        }
        assertThat(rangesAsked()).containsExactlyInAnyOrderElementsOf(ranges);
    }

    @Test
    void aSegmentedDownloadWhoseRangeBreaksResumesFromTheByteReached() throws IOException {
        file.abortAfter(50_000, 1);
        try (DownloadStream stream = segmented(4, 200_000, 1)) {
            stream.transferTo(OutputStream.nullOutputStream());
            assertThat(stream.sha256()).isEqualTo(file.sha256());
            assertThat(stream.resumes()).isEqualTo(1);
        }
        assertThat(rangesAsked()).first().isEqualTo("bytes=0-199999");
        assertThat(rangesAsked()).contains("bytes=50000-249999");
    }

    @Test
    void anEmptyFileIsFetchedWholeWhenSegmented() throws IOException {
        SimFile empty = SimFile.of("empty.txt", 0);
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("job-empty", JobScript.always("completed"), empty));
        URI url = URI.create(simulator.presign(TensorPoolApi.NAME, "job-empty", empty.path()));
        try (DownloadStream stream = new DownloadStream(http, OutputFile.of(empty.path(), url, -1), "t/job-empty/empty.txt",
                null, stale -> Optional.empty(), () -> true, options(0, 4, 65_536))) {
            assertThat(stream.readAllBytes()).isEmpty();
            assertThat(stream.isComplete()).isTrue();
        }
    }

    @Test
    void aServerThatIgnoresRangesIsReadOverOneConnection() throws IOException {
        file.ignoreRange();
        try (DownloadStream stream = segmented(4, 100_000, 0)) {
            stream.transferTo(OutputStream.nullOutputStream());
            assertThat(stream.sha256()).isEqualTo(file.sha256());
        }
        assertThat(rangesAsked()).containsExactly("bytes=0-99999");
    }

    @Test
    void aDroppedConnectionFailsTheReadPromptly() {
        file.abortAfter(300_000, 1);
        long began = System.nanoTime();
        assertThatThrownBy(() -> {
            try (InputStream stream = download(-1)) {
                stream.transferTo(OutputStream.nullOutputStream());
            }
        }).isInstanceOf(IOException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(4));
    }

    private DownloadStream listedWithSha256(String sha256) {
        URI url = URI.create(simulator.presign(TensorPoolApi.NAME, "job", file.path()));
        return new DownloadStream(http, new OutputFile(file.path(), url, -1, null, null, sha256),
                "tensorpool/job/dir/data.bin", null, stale -> Optional.empty(), () -> true,
                options(0, 1, 0));
    }

    @Test
    void bytesWhoseSha256DiffersFromTheListedOneFailTheLastReadAndAreNotComplete() throws IOException {
        try (DownloadStream matching = listedWithSha256(file.sha256().toUpperCase(Locale.ROOT))) {
            matching.transferTo(OutputStream.nullOutputStream());
            assertThat(matching.isComplete()).isTrue();
        }
        String other = "0".repeat(64);
        try (DownloadStream differing = listedWithSha256(other)) {
            assertThatThrownBy(() -> differing.transferTo(OutputStream.nullOutputStream()))
                    .isInstanceOf(IOException.class)
                    .hasMessage("tensorpool/job/dir/data.bin: its SHA-256 is " + file.sha256() + ", not the " + other
                            + " the platform listed");
            assertThat(differing.isComplete()).isFalse();
            assertThat(differing.failure()).isNotNull();
        }
    }

    @Test
    void aSizeThatDiffersFromTheListingIsRefusedBeforeAnyByteIsPassedOn() {
        assertThatThrownBy(() -> download(999).read(new byte[10])).isInstanceOf(IOException.class)
                .hasMessageContaining("listed 999 bytes but storage sends 1000000");
    }

    @Test
    void anExpiredUrlFailsWithStoragesReasonAndWithoutTheSignature() throws Exception {
        simulator.urlTtl(Duration.ofSeconds(-1));
        DownloadStream stream = download(-1);
        assertThatThrownBy(() -> stream.read(new byte[10])).isInstanceOf(IOException.class)
                .hasMessageContaining("403").hasMessageContaining("Request has expired")
                .hasMessageNotContaining("X-Amz-Signature");
    }

    @Test
    void closingFromAnotherThreadStopsTheDownload() throws IOException {
        file.throttle(100_000);
        DownloadStream stream = download(-1);
        assertThat(stream.read(new byte[100])).isPositive();
        stream.close();
        assertThatThrownBy(() -> stream.transferTo(OutputStream.nullOutputStream())).isInstanceOf(IOException.class)
                .hasMessageContaining("stopped");
        assertThat(stream.isComplete()).isFalse();
    }
}

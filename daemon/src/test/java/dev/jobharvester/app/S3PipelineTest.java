package dev.jobharvester.app;

import dev.jobharvester.testing.CapturedLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jobharvester.common.SinkNames;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.RequestLog;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import dev.jobharvester.sink.S3Server;
import dev.jobharvester.testing.TcpProxy;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** routes/tensorpool-to-s3.yaml into a real S3-compatible server (s3proxy, signatures checked). */
class S3PipelineTest {

    private static final String NAME = TensorPoolApi.NAME;
    private static final String PREFIX = "harvested/";
    private static final Pattern PUT_HEAD = Pattern.compile("(?s)PUT /[^\r\n]* HTTP/1\\.1\r\n.*?\r\n\r\n");
    private static final Pattern EXPECT = Pattern.compile("(?i)\r\nexpect: *100-continue\r\n");
    private static final Pattern LENGTH =
            Pattern.compile("(?i)\r\n(?:x-amz-decoded-content-length|content-length): *(\\d+)\r\n");

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();
    private S3Server s3;
    private S3Client client;

    @BeforeEach
    void start() throws Exception {
        s3 = S3Server.start(Files.createDirectories(dir.resolve("s3")));
        client = s3.client();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        s3.close();
    }

    private Map<String, String> settings(String jobIds, String secret) {
        Map<String, String> settings = RunningHarvester.settings(simulator, dir, jobIds);
        settings.put("routes.tensorpool-to-directory.enabled", "false");
        settings.put("routes.tensorpool-to-s3.enabled", "true");
        settings.put("s3.bucket", S3Server.BUCKET);
        settings.put("s3.prefix", PREFIX);
        settings.put("s3.access-key", S3Server.ACCESS_KEY);
        settings.put("s3.secret-key", secret);
        settings.put("s3.override-endpoint", "true");
        settings.put("s3.endpoint", s3.endpoint());
        settings.put("s3.path-style", "true");
        settings.put("s3.part-size", String.valueOf(5 << 20));
        return settings;
    }

    private String key(SimJob job, String path) {
        return PREFIX + SinkNames.jobKey(NAME, job.id()) + "/" + path;
    }

    private boolean exists(String key) {
        try {
            client.headObject(b -> b.bucket(S3Server.BUCKET).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    private String sha256(String key) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(client.getObject(b -> b.bucket(S3Server.BUCKET).key(key)), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private void assertInBucket(SimJob job) throws Exception {
        for (SimFile file : job.files()) {
            assertThat(sha256(key(job, file.path()))).as(file.path()).isEqualTo(file.sha256());
        }
        JsonNode manifest;
        try (InputStream in = client.getObject(b -> b.bucket(S3Server.BUCKET).key(key(job, SinkNames.MANIFEST)))) {
            manifest = new ObjectMapper().readTree(in);
        }
        assertThat(manifest.get("fileCount").asInt()).isEqualTo(job.files().size());
        manifest.get("files").forEach(f -> assertThat(f.get("sha256").asText())
                .isEqualTo(job.file(f.get("path").asText()).sha256()));
    }

    @Test
    void filesSmallAndLargeArriveWholeWithTheirOriginOnTheObject() throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-s3", JobScript.start("running", 1).thenStays("completed"),
                SimFile.of("model/weights.bin", 23_000_000), SimFile.of("metrics/eval.json", 4_000),
                SimFile.of("logs/train.log", 300_000)));
        try (RunningHarvester harvester = RunningHarvester.start(settings(job.id(), S3Server.SECRET_KEY))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> exists(key(job, SinkNames.MANIFEST)));
        }
        assertInBucket(job);
        Delivered.assertEachDownloadedOnce(simulator, NAME, job);
        HeadObjectResponse head = client.headObject(b -> b.bucket(S3Server.BUCKET).key(key(job, "metrics/eval.json")));
        assertThat(head.contentType()).isEqualTo("application/json");
        assertThat(head.metadata()).containsEntry("provider", NAME).containsEntry("job-id", job.id())
                .containsEntry("source-path", "metrics/eval.json")
                .containsEntry("sha256", job.file("metrics/eval.json").sha256());
        // A multipart object gets its content type; camel-aws2-s3 4.18 leaves user metadata off multipart uploads.
        assertThat(client.headObject(b -> b.bucket(S3Server.BUCKET).key(key(job, "model/weights.bin"))).contentType())
                .isEqualTo("application/octet-stream");
        assertThat(client.listMultipartUploads(b -> b.bucket(S3Server.BUCKET)).uploads()).isEmpty();
    }

    /**
     * A PUT of 1 MiB or more asks the store first ({@code Expect: 100-continue}) and waits for its go-ahead, so that a
     * refusal comes before the body; a smaller one goes at once, as a round trip per object would slow a job of many.
     */
    @Test
    void onlyBodiesOfAMebibyteOrMoreWaitForTheStoresGoAhead() throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-s3-expect", JobScript.start("running", 1).thenStays("completed"),
                SimFile.of("a.json", 4_000), SimFile.of("b.log", 300_000), SimFile.of("c.bin", 3_000_000),
                SimFile.of("d.bin", 12_000_000)));
        URI store = URI.create(s3.endpoint());
        try (TcpProxy wire = TcpProxy.recording(store.getHost(), store.getPort())) {
            Map<String, String> settings = settings(job.id(), S3Server.SECRET_KEY);
            settings.put("s3.endpoint", "http://127.0.0.1:" + wire.port());
            try (RunningHarvester harvester = RunningHarvester.start(settings)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> exists(key(job, SinkNames.MANIFEST)));
            }
            Map<Boolean, List<Long>> putLengthsByWaiting = PUT_HEAD.matcher(wire.sent()).results().map(MatchResult::group)
                    .collect(Collectors.partitioningBy(head -> EXPECT.matcher(head).find(), Collectors.mapping(
                            S3PipelineTest::bodyLength, Collectors.toList())));
            assertThat(putLengthsByWaiting.get(false)).as("PUTs sent at once").isNotEmpty()
                    .allSatisfy(length -> assertThat(length).isLessThan(1 << 20));
            assertThat(putLengthsByWaiting.get(true)).as("PUTs that waited").isNotEmpty()
                    .allSatisfy(length -> assertThat(length).isGreaterThanOrEqualTo(1 << 20));
        }
        assertInBucket(job);
    }

    /** The body's length a PUT head announces: its decoded length when sent aws-chunked, else its Content-Length. */
    private static long bodyLength(String head) {
        return LENGTH.matcher(head).results().mapToLong(m -> Long.parseLong(m.group(1))).min().orElseThrow();
    }

    /** A body under one part is read whole before its PUT: one that breaks off fails the file, which is fetched again. */
    @Test
    void aSmallBodyThatBreaksOffPutsNothingAndIsFetchedAgainWhole() throws Exception {
        deliveredWholeAtTheSecondFetch("tp-s3-cut", SimFile.of("eval/scores.bin", 800_000).abortAfter(300_000, 1));
    }

    /**
     * Delivers a job of one file whose first download breaks off, resuming off: the file is fetched again, whole, and
     * the bucket holds its bytes. With the shipped part size.
     */
    private SimJob deliveredWholeAtTheSecondFetch(String id, SimFile file) throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of(id, JobScript.always("completed"), file));
        Map<String, String> settings = settings(job.id(), S3Server.SECRET_KEY);
        settings.remove("s3.part-size");
        settings.put("harvester.max-resumes", "0");
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> exists(key(job, SinkNames.MANIFEST)));
        }
        assertInBucket(job);
        assertThat(simulator.requests().matching(e -> e.host().equals("storage")
                && e.path().endsWith("/" + job.id() + "/" + file.path()))).extracting(RequestLog.Entry::status)
                .containsExactly(200, 200);
        return job;
    }

    /**
     * A body of 16 MiB or more but under one part streams in a single PUT, not read whole first: one that breaks off
     * leaves no object, and the file is fetched again and lands whole, with the metadata a single PUT carries (a
     * multipart object has none) but without the SHA-256 of a body read first. The shipped part size puts a body of
     * 80 MB in one PUT: camel-aws2-s3 sends parts one after the other, so parts would only cost time.
     */
    @Test
    void aBodyOverSixteenMebibytesUnderOnePartStreamsInOnePutAndOneThatBreaksOffLeavesNothing() throws Exception {
        SimFile file = SimFile.of("model/shard.bin", 80_000_000).abortAfter(9_000_000, 1);
        SimJob job = deliveredWholeAtTheSecondFetch("tp-s3-mid", file);
        assertThat(client.headObject(b -> b.bucket(S3Server.BUCKET).key(key(job, file.path()))).metadata())
                .containsEntry("source-path", file.path()).doesNotContainKey("sha256");
        assertThat(client.listMultipartUploads(b -> b.bucket(S3Server.BUCKET)).uploads()).isEmpty();
    }

    @Test
    void aBodyOfUnknownLengthIsSpooledThenUploadedAndTheSpoolIsEmptiedAfterwards() throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-s3-chunked", JobScript.always("completed"),
                SimFile.of("generated/report.bin", 12_000_000).chunked(), SimFile.of("note.txt", 700).chunked()));
        try (RunningHarvester harvester = RunningHarvester.start(settings(job.id(), S3Server.SECRET_KEY))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> exists(key(job, SinkNames.MANIFEST)));
        }
        assertInBucket(job);
        assertThat(client.headObject(b -> b.bucket(S3Server.BUCKET).key(key(job, "note.txt"))).metadata())
                .as("a spooled file's SHA-256 is known before its upload").containsEntry("sha256",
                        job.file("note.txt").sha256());
        try (Stream<Path> spool = Files.list(dir.resolve("data").resolve("spool"))) {
            assertThat(spool).as("spool files left").isEmpty();
        }
    }

    @Test
    void aLargeFileCutByARestartGoesOnFromTheBytesStagedLocally() throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-s3-staged", JobScript.always("completed"),
                SimFile.of("checkpoint.pt", 12_000_000).throttle(2_000_000), SimFile.of("small.txt", 1_000)));
        SimFile big = job.file("checkpoint.pt");
        Map<String, String> settings = settings(job.id(), S3Server.SECRET_KEY);
        settings.put("harvester.stage-min-size", String.valueOf(1 << 20));
        // Graceful shutdown gives the download in flight one second, then cuts it.
        settings.put("camel.main.shutdown-timeout", "1");
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> big.bytesServed() > 4_000_000);
        }
        assertThat(exists(key(job, big.path()))).isFalse();

        big.throttle(0);
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> exists(key(job, SinkNames.MANIFEST)));
        }
        assertInBucket(job);
        assertThat(simulator.requests().matching(e -> e.host().equals("storage") && e.path().endsWith("/" + big.path())))
                .extracting(RequestLog.Entry::status).containsExactly(200, 206);
        assertThat(big.bytesServed()).as("the bytes staged before the restart are not fetched again")
                .isLessThanOrEqualTo(big.size() + (1 << 20));
        try (Stream<Path> staged = Files.walk(dir.resolve("data").resolve("staging"))) {
            assertThat(staged.filter(Files::isRegularFile)).as("files left in staging").isEmpty();
        }
        assertThat(client.listMultipartUploads(b -> b.bucket(S3Server.BUCKET)).uploads()).isEmpty();
    }

    @Test
    void credentialsFromTheAwsDefaultChain() throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-s3-chain", JobScript.always("completed"),
                SimFile.of("a.bin", 50_000)));
        Map<String, String> settings = settings(job.id(), "");
        settings.put("s3.access-key", "");
        settings.put("s3.use-default-credentials", "true");
        // System properties are the first link of the AWS SDK's default chain.
        System.setProperty("aws.accessKeyId", S3Server.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3Server.SECRET_KEY);
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> exists(key(job, SinkNames.MANIFEST)));
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
        assertInBucket(job);
    }

    @Test
    void aWrongSecretGivesOneClearErrorAndLosesNothing() throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-s3-secret", JobScript.always("completed"),
                SimFile.of("a.bin", 100_000), SimFile.of("b/c.txt", 2_000)));
        try (CapturedLog log = CapturedLog.attach();
                RunningHarvester harvester = RunningHarvester.start(settings(job.id(), "not-the-secret"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> log.lines().stream().anyMatch(l ->
                    l.startsWith("tensorpool-to-s3: the sink fails as a whole") && l.contains("403")));
            // Readiness names the last failure: s3proxy may also drop the connection of an upload it refused.
            assertThat(harvester.readiness().body()).contains("fails as a whole");
            assertThat(log.lines()).noneMatch(l -> l.contains("not-the-secret"));
        }
        assertThat(exists(key(job, "a.bin"))).isFalse();

        try (RunningHarvester harvester = RunningHarvester.start(settings(job.id(), S3Server.SECRET_KEY))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> exists(key(job, SinkNames.MANIFEST)));
        }
        assertInBucket(job);
    }

    @Test
    void anUploadCutOffMidwayLeavesNoObjectAndNoDanglingUploadAndIsDeliveredWholeLater() throws Exception {
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-s3-cut", JobScript.always("completed"),
                SimFile.of("checkpoint.pt", 24_000_000), SimFile.of("small.txt", 1_000)));
        SimFile big = job.file("checkpoint.pt");
        big.abortAfter(13_000_000, Integer.MAX_VALUE);
        Map<String, String> settings = settings(job.id(), S3Server.SECRET_KEY);
        // The download breaks and cannot resume: the upload under way has to go.
        settings.put("harvester.max-resumes", "0");
        try (CapturedLog log = CapturedLog.attach(); RunningHarvester harvester = RunningHarvester.start(settings)) {
            // Three attempts started: at least two were cut off midway and their uploads abandoned.
            await().atMost(Duration.ofSeconds(60)).until(() -> simulator.downloads(NAME, job.id(), big.path()) >= 3);
            assertThat(exists(key(job, big.path()))).isFalse();
            assertThat(exists(key(job, SinkNames.MANIFEST))).isFalse();
            assertThat(log.lines()).as("the source's own error, not the SDK's").anyMatch(l ->
                    l.startsWith("tensorpool/tp-s3-cut/checkpoint.pt not delivered") && l.contains("Premature end"));
            big.abortAfter(-1, 0);
            await().atMost(Duration.ofSeconds(60)).until(() -> exists(key(job, SinkNames.MANIFEST)));
        }
        assertInBucket(job);
        assertThat(client.listMultipartUploads(b -> b.bucket(S3Server.BUCKET)).uploads())
                .as("uploads of the cut-off attempts, never aborted").isEmpty();
    }
}

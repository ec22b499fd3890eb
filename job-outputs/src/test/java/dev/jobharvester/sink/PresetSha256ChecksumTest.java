package dev.jobharvester.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** What an S3 client on the harvester's classpath sends for a body whose SHA-256 is known, against s3proxy. */
class PresetSha256ChecksumTest {

    @TempDir
    Path store;
    private S3Server server;
    private S3Client client;
    private SdkHttpRequest sent;

    @BeforeEach
    void start() throws Exception {
        server = S3Server.start(store);
        client = server.clientBuilder().overrideConfiguration(c -> c.addExecutionInterceptor(new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                sent = context.httpRequest();
            }
        })).build();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
    }

    @Test
    void theDownloadsDigestGoesUpAsTheObjectsChecksumInPlaceOfTheSdksOwn() throws Exception {
        byte[] body = bytes(65_536);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);

        put("a.bin", body, HexFormat.of().formatHex(digest));

        assertThat(sent.firstMatchingHeader("x-amz-checksum-sha256")).contains(Base64.getEncoder().encodeToString(digest));
        assertThat(sent.firstMatchingHeader("x-amz-trailer")).isEmpty();
        assertThat(sent.firstMatchingHeader("x-amz-checksum-crc32")).isEmpty();
        assertThat(sent.firstMatchingHeader("x-amz-content-sha256")).contains(HexFormat.of().formatHex(digest));
        assertThat(sent.firstMatchingHeader("Content-Encoding")).isEmpty();
        assertThat(client.getObjectAsBytes(b -> b.bucket(S3Server.BUCKET).key("a.bin")).asByteArray()).isEqualTo(body);
    }

    @Test
    void aBodyThatDoesNotMatchItsDigestIsRefusedByTheStore() throws Exception {
        byte[] digestOfOther = MessageDigest.getInstance("SHA-256").digest(bytes(10));

        assertThatThrownBy(() -> put("b.bin", bytes(65_536), HexFormat.of().formatHex(digestOfOther)))
                .isInstanceOf(S3Exception.class);
        assertThat(client.listObjectsV2(b -> b.bucket(S3Server.BUCKET)).contents()).isEmpty();
    }

    @Test
    void withoutTheDigestTheSdksOwnChecksumApplies() {
        put("c.bin", bytes(1_000), null);

        assertThat(sent.firstMatchingHeader("x-amz-checksum-sha256")).isEmpty();
    }

    private void put(String key, byte[] body, String sha256) {
        client.putObject(PutObjectRequest.builder().bucket(S3Server.BUCKET).key(key)
                .metadata(sha256 == null ? Map.of() : Map.of(PrepareS3Upload.SHA256_METADATA, sha256)).build(),
                RequestBody.fromBytes(body));
    }

    private static byte[] bytes(int size) {
        byte[] bytes = new byte[size];
        new SplittableRandom(size).nextBytes(bytes);
        return bytes;
    }
}

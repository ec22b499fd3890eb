package dev.jobharvester.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * What an S3 client on the harvester's classpath sends for a body whose SHA-256 is known, against s3proxy over plain
 * http; a store that does not confirm checksums is s3proxy with the confirmation taken off its answers.
 */
class PresetSha256ChecksumTest {

    @TempDir
    Path store;
    private S3Server server;
    private S3Client client;
    private SdkHttpRequest sent;
    private boolean storeConfirms = true;

    @BeforeEach
    void start() throws Exception {
        server = S3Server.start(store);
        URI endpoint = URI.create(server.endpoint());
        // A port the system gives again is a new store: it has confirmed nothing yet.
        ChecksumSignedPayload.remember(SdkHttpRequest.builder().method(SdkHttpMethod.PUT).uri(endpoint).build(), false);
        client = server.clientBuilder().overrideConfiguration(c -> c.addExecutionInterceptor(new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                sent = context.httpRequest();
            }

            @Override
            public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context,
                    ExecutionAttributes attributes) {
                SdkHttpResponse answer = context.httpResponse();
                return storeConfirms ? answer
                        : answer.toBuilder().removeHeader(ChecksumSignedPayload.CHECKSUM_HEADER).build();
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

        put("a.bin", body);

        assertThat(sent.firstMatchingHeader("x-amz-checksum-sha256")).contains(Base64.getEncoder().encodeToString(digest));
        assertThat(sent.firstMatchingHeader("x-amz-trailer")).isEmpty();
        assertThat(sent.firstMatchingHeader("x-amz-checksum-crc32")).isEmpty();
        assertThat(sent.firstMatchingHeader("x-amz-content-sha256")).contains(HexFormat.of().formatHex(digest));
        assertThat(sent.firstMatchingHeader("Content-Encoding")).isEmpty();
        assertThat(stored("a.bin")).isEqualTo(body);
    }

    @Test
    void onceTheStoreHasConfirmedAChecksumTheSignatureCoversTheChecksumInPlaceOfThePayload() throws Exception {
        put("first.bin", bytes(1_000));
        byte[] body = bytes(65_536);

        put("second.bin", body);

        assertThat(sent.firstMatchingHeader("x-amz-content-sha256")).contains("UNSIGNED-PAYLOAD");
        assertThat(sent.firstMatchingHeader("Authorization")).hasValueSatisfying(
                authorization -> assertThat(authorization).contains("x-amz-checksum-sha256"));
        assertThat(sent.firstMatchingHeader("Content-Encoding")).isEmpty();
        assertThat(stored("second.bin")).isEqualTo(body);
    }

    @Test
    void aBodyThatDoesNotMatchItsDigestIsRefusedByTheStoreWithItsPayloadSignedOrNot() throws Exception {
        byte[] digestOfOther = MessageDigest.getInstance("SHA-256").digest(bytes(10));

        assertThatThrownBy(() -> put("signed.bin", bytes(65_536), HexFormat.of().formatHex(digestOfOther)))
                .isInstanceOf(S3Exception.class);
        put("good.bin", bytes(1_000));
        assertThatThrownBy(() -> put("unsigned.bin", bytes(65_536), HexFormat.of().formatHex(digestOfOther)))
                .isInstanceOf(S3Exception.class);

        assertThat(sent.firstMatchingHeader("x-amz-content-sha256")).contains("UNSIGNED-PAYLOAD");
        assertThat(client.listObjectsV2(b -> b.bucket(S3Server.BUCKET)).contents()).extracting(S3Object::key)
                .containsExactly("good.bin");
    }

    @Test
    void aStoreThatDoesNotConfirmChecksumsGetsEveryPayloadSigned() throws Exception {
        storeConfirms = false;
        byte[] body = bytes(65_536);

        put("a.bin", bytes(1_000));
        put("b.bin", body);

        assertThat(sent.firstMatchingHeader("x-amz-content-sha256"))
                .contains(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
        assertThat(stored("b.bin")).isEqualTo(body);
    }

    @Test
    void aStoreThatStopsConfirmingFailsThePutSentUnsignedAndTheNextAttemptIsSignedInFull() throws Exception {
        put("a.bin", bytes(1_000));
        storeConfirms = false;
        byte[] body = bytes(65_536);

        assertThatThrownBy(() -> put("b.bin", body)).isInstanceOf(SdkClientException.class)
                .hasMessageContaining("without confirming its SHA-256").hasMessageContaining("/b.bin");
        assertThat(sent.firstMatchingHeader("x-amz-content-sha256")).contains("UNSIGNED-PAYLOAD");
        put("b.bin", body);

        assertThat(sent.firstMatchingHeader("x-amz-content-sha256"))
                .contains(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
        assertThat(stored("b.bin")).isEqualTo(body);
    }

    @Test
    void withoutTheDigestTheSdksOwnChecksumApplies() {
        put("c.bin", bytes(1_000), null);

        assertThat(sent.firstMatchingHeader("x-amz-checksum-sha256")).isEmpty();
        assertThat(sent.firstMatchingHeader("x-amz-content-sha256")).isNotEqualTo(Optional.of("UNSIGNED-PAYLOAD"));
    }

    private void put(String key, byte[] body) throws Exception {
        put(key, body, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
    }

    private void put(String key, byte[] body, String sha256) {
        client.putObject(PutObjectRequest.builder().bucket(S3Server.BUCKET).key(key)
                .metadata(sha256 == null ? Map.of() : Map.of(PrepareS3Upload.SHA256_METADATA, sha256)).build(),
                RequestBody.fromBytes(body));
    }

    private byte[] stored(String key) {
        return client.getObjectAsBytes(b -> b.bucket(S3Server.BUCKET).key(key)).asByteArray();
    }

    private static byte[] bytes(int size) {
        byte[] bytes = new byte[size];
        new SplittableRandom(size).nextBytes(bytes);
        return bytes;
    }
}

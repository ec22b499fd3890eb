package dev.jobharvester.sink;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.spi.scheme.AuthScheme;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;

/**
 * SigV4 for a PUT over plain http that carries its body's SHA-256 in {@code x-amz-checksum-sha256}, to a store that
 * has answered such a PUT with its checksum (S3 checks a checksum it is sent, and refuses a body that does not match):
 * the signature covers the header and the payload goes as {@code UNSIGNED-PAYLOAD}, so the body is hashed once, by the
 * store (rclone does the same with {@code Content-MD5}). Left to itself the AWS SDK signs every payload over plain
 * http, whatever it is told: a SHA-256 of every byte here and one more at the store. Any other request is signed as
 * the SDK signs it; over https the SDK sends such a PUT this way already.
 */
record ChecksumSignedPayload(AwsV4AuthScheme sigv4) implements AuthScheme<AwsCredentialsIdentity> {

    static final String CHECKSUM_HEADER = "x-amz-checksum-sha256";
    static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

    /**
     * The stores (protocol, host and port) that answered a PUT with the checksum it carried, so checked the body
     * against it. A store that ignores the header (an older S3-compatible one) keeps every payload signed: only the
     * signature's own hash then stands between a body damaged on its way and the object stored.
     */
    private static final Set<String> CHECKING_STORES = ConcurrentHashMap.newKeySet();

    static String store(SdkHttpRequest request) {
        return request.protocol() + "://" + request.host() + ":" + request.port();
    }

    /** Remembers whether the store a PUT went to answered with the checksum the PUT carried. */
    static void remember(SdkHttpRequest sent, boolean checked) {
        if (checked) {
            CHECKING_STORES.add(store(sent));
        } else {
            CHECKING_STORES.remove(store(sent));
        }
    }

    static boolean sentUnsigned(SdkHttpRequest request) {
        return "http".equals(request.protocol())
                && request.firstMatchingHeader("x-amz-content-sha256").filter(UNSIGNED_PAYLOAD::equals).isPresent();
    }

    @Override
    public String schemeId() {
        return sigv4.schemeId();
    }

    @Override
    public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
        return sigv4.identityProvider(providers);
    }

    @Override
    public HttpSigner<AwsCredentialsIdentity> signer() {
        HttpSigner<AwsCredentialsIdentity> signer = sigv4.signer();
        return new HttpSigner<>() {
            @Override
            public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
                ContentStreamProvider payload = request.payload().orElse(null);
                SdkHttpRequest http = request.request();
                if (payload == null || !"http".equals(http.protocol())
                        || http.firstMatchingHeader(CHECKSUM_HEADER).isEmpty()
                        || !CHECKING_STORES.contains(store(http))) {
                    return signer.sign(request);
                }
                // Given no payload, the SDK's signer takes payload signing off at its word even over plain http.
                return signer.sign(withoutPayload(request)).toBuilder().payload(payload).build();
            }

            @Override
            public CompletableFuture<AsyncSignedRequest> signAsync(
                    AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
                return signer.signAsync(request);
            }
        };
    }

    private static <T extends AwsCredentialsIdentity> SignRequest<T> withoutPayload(SignRequest<T> request) {
        return request.toBuilder().payload(null)
                .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false).build();
    }
}

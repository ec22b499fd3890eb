package dev.jobharvester.sink;

import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkInternalExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.spi.scheme.AuthScheme;
import software.amazon.awssdk.services.s3.auth.scheme.S3AuthSchemeProvider;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * Gives a single-PUT upload the SHA-256 the harvester took while downloading it (the object's {@code sha256}
 * metadata) as its S3 checksum, {@code x-amz-checksum-sha256}: S3 then checks the stored object against the source's
 * digest, end to end, and the SDK computes no CRC32 of its own to send as a trailer.
 * Over plain http the SDK signs the payload too, and by default sends it aws-chunked for that, copying each 128 KiB
 * chunk into a fresh buffer (half of what a warm daemon allocated per small object). Only bodies read before their PUT
 * carry the metadata (in memory, or a spool file): they can be read twice, so they go unchunked, the SDK signing their
 * SHA-256 in the request's header; once the store has confirmed a checksum, the signature covers the checksum instead
 * of the payload ({@link ChecksumSignedPayload}). For these PUTs the S3 client's default auth schemes stand in for any
 * the client was given (a provider of its own, an auth scheme preference).
 * camel-aws2-s3 has no header for a checksum value, so the SDK loads this interceptor for every S3 client from
 * {@code software/amazon/awssdk/services/s3/execution.interceptors}.
 */
public class PresetSha256Checksum implements ExecutionInterceptor {

    /** The S3 client's default auth schemes, with the payload sent whole rather than aws-chunked. */
    private static final S3AuthSchemeProvider UNCHUNKED = params -> S3AuthSchemeProvider.defaultProvider()
            .resolveAuthScheme(params).stream()
            .map(option -> option.toBuilder()
                    .putSignerProperty(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED, false).build())
            .toList();

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        if (context.request() instanceof PutObjectRequest put && put.checksumSHA256() == null
                && put.checksumAlgorithm() == null && put.contentMD5() == null) {
            String hex = put.metadata().get(PrepareS3Upload.SHA256_METADATA);
            if (hex != null && hex.length() == 64) {
                try {
                    PutObjectRequest checksummed = put.toBuilder()
                            .checksumSHA256(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex)))
                            .overrideConfiguration(unchunked(put))
                            .build();
                    signChecksumInPlaceOfPayload(attributes);
                    return checksummed;
                } catch (IllegalArgumentException notHex) {
                    // Someone else's metadata of that name: the SDK's own checksum applies.
                }
            }
        }
        return context.request();
    }

    /**
     * Learns from the answer whether the store checked the checksum, and refuses an answer that leaves the body of a
     * PUT sent unsigned unchecked: the file fails, and its next attempt is signed in full.
     */
    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        SdkHttpRequest sent = context.httpRequest();
        String checksum = sent.firstMatchingHeader(ChecksumSignedPayload.CHECKSUM_HEADER).orElse(null);
        if (checksum != null && context.response() instanceof PutObjectResponse answer) {
            boolean checked = checksum.equals(answer.checksumSHA256());
            ChecksumSignedPayload.remember(sent, checked);
            if (!checked && ChecksumSignedPayload.sentUnsigned(sent)) {
                throw SdkClientException.create("the S3 store at " + ChecksumSignedPayload.store(sent) + " took "
                        + sent.encodedPath() + " without confirming its SHA-256 (x-amz-checksum-sha256), as it did"
                        + " before, so nothing checked the bytes it stored; the next attempt signs them");
            }
        }
    }

    /**
     * The S3 client's SigV4 scheme, for this request only, signing the checksum in place of the payload where the
     * store checks it. The SDK has no public setting for a request's auth scheme: the map it picks one from is an
     * execution attribute of its own.
     */
    private static void signChecksumInPlaceOfPayload(ExecutionAttributes attributes) {
        Map<String, AuthScheme<?>> schemes = attributes.getAttribute(SdkInternalExecutionAttribute.AUTH_SCHEMES);
        if (schemes != null && schemes.get(AwsV4AuthScheme.SCHEME_ID) instanceof AwsV4AuthScheme sigv4) {
            Map<String, AuthScheme<?>> replaced = new HashMap<>(schemes);
            replaced.put(AwsV4AuthScheme.SCHEME_ID, new ChecksumSignedPayload(sigv4));
            attributes.putAttribute(SdkInternalExecutionAttribute.AUTH_SCHEMES, replaced);
        }
    }

    private static AwsRequestOverrideConfiguration unchunked(PutObjectRequest put) {
        return put.overrideConfiguration().map(AwsRequestOverrideConfiguration::toBuilder)
                .orElseGet(AwsRequestOverrideConfiguration::builder)
                .authSchemeProvider(UNCHUNKED)
                .build();
    }
}

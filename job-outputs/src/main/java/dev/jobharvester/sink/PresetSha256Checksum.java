package dev.jobharvester.sink;

import java.util.Base64;
import java.util.HexFormat;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * Gives a single-PUT upload the SHA-256 the harvester took while downloading it (the object's {@code sha256}
 * metadata) as its S3 checksum, {@code x-amz-checksum-sha256}: S3 then checks the stored object against the source's
 * digest, end to end, and the SDK neither computes a CRC32 of its own nor sends the body aws-chunked with it.
 * camel-aws2-s3 has no header for a checksum value, so the SDK loads this interceptor for every S3 client from
 * {@code software/amazon/awssdk/services/s3/execution.interceptors}.
 */
public class PresetSha256Checksum implements ExecutionInterceptor {

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        if (context.request() instanceof PutObjectRequest put && put.checksumSHA256() == null
                && put.checksumAlgorithm() == null && put.contentMD5() == null) {
            String hex = put.metadata().get(PrepareS3Upload.SHA256_METADATA);
            if (hex != null && hex.length() == 64) {
                try {
                    return put.toBuilder()
                            .checksumSHA256(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex)))
                            .build();
                } catch (IllegalArgumentException notHex) {
                    // Someone else's metadata of that name: the SDK's own checksum applies.
                }
            }
        }
        return context.request();
    }
}

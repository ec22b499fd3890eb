package dev.jobharvester.sink;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Path;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * A real S3-compatible server for tests: s3proxy on 127.0.0.1 and a free port, checking SigV4 signatures against
 * one key pair as AWS does, storing objects as files under a temp folder.
 */
public final class S3Server implements AutoCloseable {

    public static final String ACCESS_KEY = "harvester-access";
    public static final String SECRET_KEY = "harvester-secret-3f9c1d7a2b";
    public static final String BUCKET = "job-outputs";

    private final S3Proxy proxy;

    private S3Server(S3Proxy proxy) {
        this.proxy = proxy;
    }

    public static S3Server start(Path directory) throws Exception {
        return start(directory, null, null);
    }

    /** @param keyStore a key store whose key and certificate also serve https, on a port of its own; null: http only */
    private static S3Server start(Path directory, Path keyStore, String password) throws Exception {
        BlobStore store = new FilesystemNio2BlobStore(directory.toString());
        store.createContainer(BUCKET);
        S3Proxy.Builder builder = S3Proxy.builder().blobStore(store)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .endpoint(URI.create("http://127.0.0.1:0"));
        if (keyStore != null) {
            builder.secureEndpoint(URI.create("https://127.0.0.1:0")).keyStore(keyStore.toString(), password);
        }
        S3Proxy proxy = builder.build();
        proxy.start();
        await().until(() -> proxy.getState().equals("STARTED"));
        return new S3Server(proxy);
    }

    /**
     * s3proxy for the benchmark ({@code bench/run.sh}), until killed: {@code S3Server DIRECTORY [KEYSTORE PASSWORD]},
     * with the key store also over https.
     */
    public static void main(String[] args) throws Exception {
        try (S3Server server = args.length > 2 ? start(Path.of(args[0]), Path.of(args[1]), args[2])
                : start(Path.of(args[0]))) {
            System.out.println("endpoint=" + server.endpoint());
            if (server.proxy.getSecurePort() > 0) {
                System.out.println("secure-endpoint=https://127.0.0.1:" + server.proxy.getSecurePort());
            }
            Thread.currentThread().join();
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    /** A plain AWS SDK client on the same store, for a test to look at what arrived. */
    public S3Client client() {
        return clientBuilder().build();
    }

    public S3ClientBuilder clientBuilder() {
        return S3Client.builder().endpointOverride(URI.create(endpoint())).forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)));
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}

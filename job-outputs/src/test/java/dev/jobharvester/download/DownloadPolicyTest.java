package dev.jobharvester.download;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DownloadPolicyTest {

    private final DownloadPolicy policy = new DownloadPolicy(Set.of("*.amazonaws.com", "engine.example.dev",
            "10.1.2.3"), false);

    @Test
    void httpsToAListedHostIsAllowed() {
        assertThat(policy.refusal(URI.create("https://bucket.s3.amazonaws.com/a?X-Amz-Signature=x"))).isNull();
    }

    @Test
    void plainHttpIsRefusedUnlessAllowed() {
        assertThat(policy.refusal(URI.create("http://bucket.s3.amazonaws.com/a"))).contains("allowHttp is off");
        assertThat(policy.refusal(URI.create("ftp://bucket.s3.amazonaws.com/a"))).contains("scheme 'ftp'");
    }

    @Test
    void anUnlistedHostIsRefused() {
        assertThat(policy.refusal(URI.create("https://evil.example.com/a"))).contains("not among the allowed hosts");
    }

    @Test
    void metadataLoopbackAndPrivateAddressesAreRefusedEvenWhenAWildcardWouldMatch() {
        DownloadPolicy anyHost = new DownloadPolicy(Set.of("*"), true);
        assertThat(anyHost.refusal(URI.create("http://169.254.169.254/latest/meta-data/"))).contains("internal address");
        assertThat(anyHost.refusal(URI.create("https://localhost/x"))).contains("internal address");
        assertThat(anyHost.refusal(URI.create("https://192.168.1.10/x"))).contains("internal address");
        assertThat(anyHost.refusal(URI.create("https://[::1]/x"))).contains("internal address");
    }

    @Test
    void anInternalAddressListedExactlyIsAllowed() {
        assertThat(policy.refusal(URI.create("https://10.1.2.3/x"))).isNull();
    }
}

package dev.jobharvester.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobharvester.download.DownloadPolicy;
import java.net.URI;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Generated locations, presigned or odd (user info, ports, IPv6 literals, no authority, relative, a URL in the query):
 * the origin the download policy judges a listed file by has the scheme and authority of the whole location, so the
 * verdict is the one the whole location would get.
 */
class OutputFileOriginPropertiesTest {

    /** Exact hosts only: a wildcard would send the policy to DNS for each generated name. */
    private static final DownloadPolicy POLICY = new DownloadPolicy(Set.of("bucket.example.com", "127.0.0.1",
            "[::1]", "my_host.local"), true);

    @Provide
    Arbitrary<String> locations() {
        Arbitrary<String> scheme = Arbitraries.of("https://", "http://", "HTTPS://", "s3+x.y-z://", "ftp://", "mailto:",
                "https:", "//", "");
        Arbitrary<String> userInfo = Arbitraries.of("", "", "user@", "user:secret@", "u%40x@");
        Arbitrary<String> host = Arbitraries.of("bucket.example.com", "BUCKET.example.com", "127.0.0.1", "[::1]",
                "[2001:db8::7]", "my_host.local", "evil.example.com", "", "a b");
        Arbitrary<String> port = Arbitraries.of("", "", ":80", ":8443", ":", ":99999");
        Arbitrary<String> rest = Arbitraries.of("/", "?", "#", "a", "/x:y", "@", "=", "&", "%41", ".", "~",
                "http://evil.example.com", "[", "X-Amz-Signature=d97c7dfd").list().ofMaxSize(8)
                .map(parts -> String.join("", parts));
        return Combinators.combine(scheme, userInfo, host, port, rest).as((s, u, h, p, r) -> s + u + h + p + r);
    }

    @Property(tries = 2000)
    void aLocationsOriginHasItsSchemeAndAuthorityAndGetsItsVerdict(@ForAll("locations") String url) {
        Assume.that(parses(url)); // a provider lists only what parses: see TensorPoolProvider
        URI whole = URI.create(url);
        URI origin = new OutputFile("f", url, -1, null, null, null).origin();

        assertThat(origin.getScheme()).as(url).isEqualTo(whole.getScheme());
        assertThat(origin.getRawAuthority()).as(url).isEqualTo(whole.getRawAuthority());
        assertThat(origin.getHost()).as(url).isEqualTo(whole.getHost());
        assertThat(POLICY.refusal(origin)).as(url).isEqualTo(POLICY.refusal(whole));
    }

    private static boolean parses(String url) {
        try {
            URI.create(url);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Example
    void aPresignedLocationsOriginLeavesItsPathAndQueryOut() {
        String url = "https://bucket.example.com/outputs/f-000001.bin?X-Amz-Expires=3600&X-Amz-Signature=d97c7dfd";
        assertThat(new OutputFile("f", url, -1, null, null, null).origin())
                .isEqualTo(URI.create("https://bucket.example.com"));
    }
}

package dev.jobharvester.download;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class RedactTest {

    @Test
    void aPresignedQueryIsCutAndAUrlWithoutAHostIsShownAsWritten() {
        assertThat(Redact.url(URI.create("https://bucket.s3.amazonaws.com:443/a/b.bin?X-Amz-Signature=abc")))
                .isEqualTo("https://bucket.s3.amazonaws.com:443/a/b.bin?…");
        assertThat(Redact.url(URI.create("file:///etc/passwd"))).isEqualTo("file:///etc/passwd");
        assertThat(Redact.url(URI.create("mailto:someone@example.com"))).isEqualTo("mailto:…");
        assertThat(Redact.url(URI.create("/relative/path?token=x"))).isEqualTo("/relative/path?…");
    }
}

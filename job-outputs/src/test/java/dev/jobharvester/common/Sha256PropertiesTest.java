package dev.jobharvester.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.security.MessageDigest;
import java.security.Provider;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The native digests load on Linux x86-64, where the launcher runs one-shot commands without C2 on the strength of
 * them, and give the JDK's SHA-256 for any bytes, fed in any pieces.
 */
class Sha256PropertiesTest {

    private static final boolean LINUX_X86_64 = System.getProperty("os.name").equals("Linux")
            && System.getProperty("os.arch").equals("amd64");

    @Property(tries = 200)
    void bytesFedInAnyPiecesHashAsTheJdksSha256OfTheWhole(@ForAll @IntRange(max = 300_000) int length,
            @ForAll @Size(max = 8) List<@IntRange(max = 300_000) Integer> cuts, @ForAll long seed) throws Exception {
        assumeTrue(LINUX_X86_64);
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        MessageDigest digest = MessageDigest.getInstance("SHA-256", Sha256.loadNative());
        int from = 0;
        for (int cut : cuts.stream().map(at -> Math.min(at, length)).sorted().toList()) {
            digest.update(bytes, from, cut - from);
            from = cut;
        }
        digest.update(bytes, from, length - from);

        MessageDigest jdk = MessageDigest.getInstance("SHA-256", "SUN");
        assertThat(HexFormat.of().formatHex(digest.digest())).isEqualTo(HexFormat.of().formatHex(jdk.digest(bytes)));
    }

    @Example
    void knownAnswers() {
        assertThat(Sha256.hex("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(Sha256.hex(new byte[0]))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Example
    void onLinuxX8664TheNativeDigestsLoad() {
        assumeTrue(LINUX_X86_64);
        Provider provider = Sha256.loadNative();
        assertThat(provider).isNotNull();
        assertThat(provider.getName()).isEqualTo("AmazonCorrettoCryptoProvider");
    }

    @Example
    void withoutTheSystemPropertyTheDigestsAreTheJdks() {
        assumeTrue(System.getProperty(Sha256.NATIVE_PROPERTY) == null);
        assertThat(Sha256.newDigest().getProvider().getName()).isEqualTo("SUN");
    }
}

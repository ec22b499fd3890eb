package dev.jobharvester.common;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SHA-256 digests: the JDK's, or, with {@value #NATIVE_PROPERTY}={@code native}, Amazon Corretto Crypto Provider's
 * native code where its library loads (Linux on x86-64). The JDK's is fast only once C2 has compiled it (C1 has no
 * SHA-256 intrinsic: 156 against 1,760 MB/s on these machines), the native one from the first byte, so the launcher
 * asks for it where it runs a command without C2. Under C2 the JDK's is as fast, and a daemon spared the native library
 * keeps the memory it would take. Only the digests come from it: TLS and the S3 client's signing stay the JDK's.
 */
public final class Sha256 {

    /** The system property that asks for native digests: {@code native}. */
    public static final String NATIVE_PROPERTY = "jobharvester.digests";
    private static final Logger LOG = LoggerFactory.getLogger(Sha256.class);
    private static final String ALGORITHM = "SHA-256";
    /** Null unless asked for and loaded. */
    private static final Provider NATIVE = "native".equals(System.getProperty(NATIVE_PROPERTY)) ? loadNative() : null;

    private Sha256() {
    }

    public static MessageDigest newDigest() {
        try {
            return NATIVE == null ? MessageDigest.getInstance(ALGORITHM) : MessageDigest.getInstance(ALGORITHM, NATIVE);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(newDigest().digest(bytes));
    }

    public static String hex(String text) {
        return hex(text.getBytes(StandardCharsets.UTF_8));
    }

    static Provider loadNative() {
        try {
            AmazonCorrettoCryptoProvider provider = AmazonCorrettoCryptoProvider.INSTANCE;
            Throwable error = provider.getLoadingError();
            if (error == null) {
                return provider;
            }
            warnJavaDigests(error);
        } catch (LinkageError e) {
            warnJavaDigests(e);
        }
        return null;
    }

    private static void warnJavaDigests(Throwable why) {
        LOG.warn("SHA-256 runs on the JDK's code: Amazon Corretto Crypto Provider's native library did not load"
                + " ({}); a JVM without C2, as the launcher's one-shot commands are, hashes ten times slower",
                why.toString());
    }
}

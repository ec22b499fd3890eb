package dev.jobharvester.download;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The byte count and SHA-256 of bytes as they pass. */
final class Sha256Count {

    private final MessageDigest digest;
    /** Read by JMX and metrics while the transfer runs. */
    private volatile long count;
    private String hex;

    Sha256Count() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    void update(byte[] bytes, int offset, int length) {
        digest.update(bytes, offset, length);
        count += length;
    }

    long count() {
        return count;
    }

    /** The hex digest; no more bytes may be added afterwards. */
    String hex() {
        if (hex == null) {
            hex = HexFormat.of().formatHex(digest.digest());
        }
        return hex;
    }
}

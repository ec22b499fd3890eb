package dev.jobharvester.sim;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Content held in memory, for files the simulator builds itself (a job's ZIP package). */
record BytesContent(byte[] bytes) implements Content {

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public InputStream open(long offset) {
        return new ByteArrayInputStream(bytes, (int) offset, bytes.length - (int) offset);
    }

    @Override
    public String etag() {
        return "\"" + sha256().substring(0, 32) + "\"";
    }

    @Override
    public String sha256() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

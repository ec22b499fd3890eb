package dev.jobharvester.sim;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * Deterministic pseudo-random bytes: a file of any size is generated on the fly from a seed, never stored, and any
 * offset can be served directly, which is what Range requests need. Each 64 KiB block is one random block shared by all
 * files, every long of it XORed with a number drawn from the file's seed and the block's index: no two blocks alike, and
 * cheap to make, since in a benchmark the simulator shares the CPU with the tool timed (a real server sends stored bytes
 * without computing them).
 */
public final class GeneratedContent implements Content {

    static final int BLOCK = 64 * 1024;
    private static final VarHandle LITTLE_ENDIAN_LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final byte[] BASE = new byte[BLOCK];

    static {
        new SplittableRandom(0x5EED).nextBytes(BASE);
    }

    private final long seed;
    private final long size;

    public GeneratedContent(long seed, long size) {
        this.seed = seed;
        this.size = size;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public InputStream open(long offset) {
        return new Reader(offset);
    }

    @Override
    public String etag() {
        return "\"" + Long.toHexString(seed) + "-" + Long.toHexString(size) + "\"";
    }

    @Override
    public String sha256() {
        try (InputStream in = open(0)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[BLOCK];
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Block {@code index} into {@code into} from {@code at}. */
    private void fill(long index, byte[] into, int at) {
        long mask = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index).nextLong();
        for (int i = 0; i < BLOCK; i += Long.BYTES) {
            LITTLE_ENDIAN_LONGS.set(into, at + i, (long) LITTLE_ENDIAN_LONGS.get(BASE, i) ^ mask);
        }
    }

    private final class Reader extends InputStream {
        private final byte[] block = new byte[BLOCK];
        private long position;
        private long loadedBlock = -1;

        private Reader(long offset) {
            this.position = offset;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (position >= size) {
                return -1;
            }
            long index = position / BLOCK;
            int inBlock = (int) (position % BLOCK);
            if (inBlock == 0 && length >= BLOCK && size - position >= BLOCK) {
                // A whole block asked for: made straight where it is wanted.
                fill(index, buffer, offset);
                position += BLOCK;
                return BLOCK;
            }
            if (index != loadedBlock) {
                fill(index, block, 0);
                loadedBlock = index;
            }
            int n = (int) Math.min(Math.min(length, BLOCK - inBlock), size - position);
            System.arraycopy(block, inBlock, buffer, offset, n);
            position += n;
            return n;
        }
    }
}

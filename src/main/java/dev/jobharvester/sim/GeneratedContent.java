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
 * offset can be served directly (each 64 KiB block has its own generator), which is what Range requests need.
 */
public final class GeneratedContent implements Content {

    static final int BLOCK = 64 * 1024;
    /** Eight bytes a store: the simulator serves gigabytes in benchmarks, where its CPU is shared with the tool timed. */
    private static final VarHandle LITTLE_ENDIAN_LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

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

    private void fill(long block, byte[] into) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + block);
        for (int i = 0; i < into.length; i += Long.BYTES) {
            LITTLE_ENDIAN_LONGS.set(into, i, random.nextLong());
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
            if (index != loadedBlock) {
                fill(index, block);
                loadedBlock = index;
            }
            int inBlock = (int) (position % BLOCK);
            int n = (int) Math.min(Math.min(length, BLOCK - inBlock), size - position);
            System.arraycopy(block, inBlock, buffer, offset, n);
            position += n;
            return n;
        }
    }
}

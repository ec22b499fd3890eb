package dev.jobharvester.download;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The digest taken on a second thread past the first megabyte equals SHA-256 of the whole, however bytes arrive. */
class Sha256CountTest {

    private static final Executor HASHING = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "test-sha256");
        thread.setDaemon(true);
        return thread;
    });

    /** A hashing task left unscheduled would leave the reader waiting for a free chunk for ever. */
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @ParameterizedTest
    @ValueSource(ints = {0, 1, Sha256Count.INLINE_BYTES - 1, Sha256Count.INLINE_BYTES, Sha256Count.INLINE_BYTES + 1,
            Sha256Count.INLINE_BYTES + Sha256Count.CHUNK_BYTES * (Sha256Count.CHUNKS_PER_WAKE - 1),
            Sha256Count.INLINE_BYTES + Sha256Count.CHUNK_BYTES * Sha256Count.CHUNKS_PER_WAKE,
            Sha256Count.INLINE_BYTES + Sha256Count.CHUNK_BYTES * Sha256Count.CHUNKS_IN_FLIGHT * 5 + 12_345})
    void equalsTheDigestOfTheWholeInReadsOfAnySize(int size) throws Exception {
        byte[] bytes = new byte[size];
        SplittableRandom random = new SplittableRandom(size);
        random.nextBytes(bytes);
        Sha256Count count = new Sha256Count(HASHING);
        // Reads of varying length, the largest beyond a chunk, as sockets hand them out.
        byte[] read = new byte[Sha256Count.CHUNK_BYTES * 2 + 7];
        for (int at = 0; at < size; ) {
            int n = Math.min(size - at, 1 + random.nextInt(read.length));
            System.arraycopy(bytes, at, read, 0, n);
            count.update(read, 0, n);
            // The reader's buffer is reused at once: what the hasher sees must be its own copy.
            random.nextBytes(read);
            at += n;
        }

        assertThat(count.count()).isEqualTo(size);
        assertThat(count.hex()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    }

    /**
     * A reader that lends its arrays, reusing each only once its bytes are hashed, and copies some reads as a sink that
     * starts lending mid-file does: the digest is the whole's, though each array is scribbled over the moment it may be.
     */
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @ParameterizedTest
    @ValueSource(ints = {0, 1, Sha256Count.INLINE_BYTES - 1, Sha256Count.INLINE_BYTES + 1,
            Sha256Count.INLINE_BYTES + Sha256Count.CHUNK_BYTES * Sha256Count.CHUNKS_PER_WAKE,
            Sha256Count.INLINE_BYTES + Sha256Count.CHUNK_BYTES * Sha256Count.CHUNKS_IN_FLIGHT * 5 + 12_345})
    void equalsTheDigestOfTheWholeWhenReadsAreLent(int size) throws Exception {
        byte[] bytes = new byte[size];
        SplittableRandom random = new SplittableRandom(size);
        random.nextBytes(bytes);
        Sha256Count count = new Sha256Count(HASHING);
        byte[][] ring = new byte[3][Sha256Count.CHUNK_BYTES + 1_000];
        long[] lentUpTo = new long[ring.length];
        int current = 0;
        int filled = 0;
        for (int at = 0; at < size; ) {
            int n = Math.min(size - at, 1 + random.nextInt(100_000));
            if (random.nextInt(4) == 0) {
                byte[] read = new byte[n];
                System.arraycopy(bytes, at, read, 0, n);
                count.update(read, 0, n);
                random.nextBytes(read);
            } else {
                if (filled + n > ring[current].length) {
                    current = (current + 1) % ring.length;
                    filled = 0;
                    count.awaitHashed(lentUpTo[current]);
                    random.nextBytes(ring[current]); // a reuse the lender is now free to make
                }
                System.arraycopy(bytes, at, ring[current], filled, n);
                count.updateInPlace(ring[current], filled, n);
                filled += n;
                lentUpTo[current] = count.count();
            }
            at += n;
        }

        assertThat(count.count()).isEqualTo(size);
        assertThat(count.hex()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    }
}

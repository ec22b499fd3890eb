package dev.jobharvester.download;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The digest taken on a second thread past the first megabyte equals SHA-256 of the whole, however bytes arrive. */
class Sha256CountTest {

    private static final Executor HASHING = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "test-sha256");
        thread.setDaemon(true);
        return thread;
    });

    /** Sizes about the first MiB and the chunks' counts, read with copies only or lent reads among them. */
    static Stream<Arguments> transfers() {
        return IntStream.of(0, 1, Sha256Count.INLINE_BYTES - 1, Sha256Count.INLINE_BYTES, Sha256Count.INLINE_BYTES + 1,
                Sha256Count.INLINE_BYTES + Sha256Count.CHUNK_BYTES * (Sha256Count.CHUNKS_PER_WAKE - 1),
                Sha256Count.INLINE_BYTES + Sha256Count.CHUNK_BYTES * Sha256Count.CHUNKS_PER_WAKE,
                Sha256Count.INLINE_BYTES + Sha256Count.CHUNK_BYTES * Sha256Count.CHUNKS_IN_FLIGHT * 5 + 12_345)
                .boxed().flatMap(size -> Stream.of(Arguments.of(size, false), Arguments.of(size, true)));
    }

    /**
     * Reads of varying length, the largest beyond a chunk, as sockets hand them out. A copied read's buffer is reused
     * at once: what the hasher sees must be its own copy. A lender reuses an array only once its bytes are hashed, and
     * scribbles over it the moment it may. A hashing task left unscheduled would leave the reader waiting for ever.
     */
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @ParameterizedTest
    @MethodSource("transfers")
    void equalsTheDigestOfTheWholeInReadsOfAnySize(int size, boolean lends) throws Exception {
        byte[] bytes = new byte[size];
        SplittableRandom random = new SplittableRandom(size);
        random.nextBytes(bytes);
        Sha256Count count = new Sha256Count(HASHING);
        byte[] read = new byte[Sha256Count.CHUNK_BYTES * 2 + 7];
        byte[][] ring = new byte[3][Sha256Count.CHUNK_BYTES + 1_000];
        long[] lentUpTo = new long[ring.length];
        int current = 0;
        int filled = 0;
        for (int at = 0; at < size; ) {
            if (!lends || random.nextInt(4) == 0) {
                int n = Math.min(size - at, 1 + random.nextInt(read.length));
                System.arraycopy(bytes, at, read, 0, n);
                count.update(read, 0, n);
                random.nextBytes(read);
                at += n;
                continue;
            }
            int n = Math.min(size - at, 1 + random.nextInt(100_000));
            if (filled + n > ring[current].length) {
                current = (current + 1) % ring.length;
                filled = 0;
                count.awaitHashed(lentUpTo[current]);
                random.nextBytes(ring[current]);
            }
            System.arraycopy(bytes, at, ring[current], filled, n);
            count.updateInPlace(ring[current], filled, n);
            filled += n;
            lentUpTo[current] = count.count();
            at += n;
        }

        assertThat(count.count()).isEqualTo(size);
        assertThat(count.hex()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    }
}

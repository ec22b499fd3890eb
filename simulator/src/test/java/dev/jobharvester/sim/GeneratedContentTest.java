package dev.jobharvester.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** What resume and Range tests rely on: the same bytes from any offset, and no two blocks or files alike. */
class GeneratedContentTest {

    private static final int BLOCK = GeneratedContent.BLOCK;

    @Test
    void anOffsetServesTheBytesAReadFromTheStartReachesThere() throws IOException {
        GeneratedContent content = new GeneratedContent(42, 5L * BLOCK + 123);
        byte[] whole = readAll(content, 0, new SplittableRandom(1));

        assertThat(whole).hasSize(5 * BLOCK + 123);
        for (long offset : new long[] {1, BLOCK - 1, BLOCK, 2L * BLOCK + 17, 5L * BLOCK, 5L * BLOCK + 122}) {
            assertThat(readAll(content, offset, new SplittableRandom(offset)))
                    .isEqualTo(Arrays.copyOfRange(whole, (int) offset, whole.length));
        }
    }

    @Test
    void noTwoBlocksNorTwoFilesAlike() throws IOException {
        byte[] one = readAll(new GeneratedContent(1, 3L * BLOCK), 0, new SplittableRandom(2));
        byte[] other = readAll(new GeneratedContent(2, 3L * BLOCK), 0, new SplittableRandom(3));

        assertThat(Arrays.copyOfRange(one, 0, BLOCK)).isNotEqualTo(Arrays.copyOfRange(one, BLOCK, 2 * BLOCK));
        assertThat(one).isNotEqualTo(other);
    }

    /** Reads to the end in reads of random length, some whole blocks, some not. */
    private static byte[] readAll(GeneratedContent content, long offset, SplittableRandom lengths) throws IOException {
        byte[] all = new byte[(int) (content.size() - offset)];
        byte[] buffer = new byte[2 * BLOCK + 5];
        int at = 0;
        try (InputStream in = content.open(offset)) {
            for (int n = in.read(buffer, 0, readLength(lengths, buffer.length)); n > 0;
                    n = in.read(buffer, 0, readLength(lengths, buffer.length))) {
                System.arraycopy(buffer, 0, all, at, n);
                at += n;
            }
        }
        assertThat(at).isEqualTo(all.length);
        return all;
    }

    private static int readLength(SplittableRandom lengths, int max) {
        return lengths.nextBoolean() ? BLOCK : 1 + lengths.nextInt(max);
    }
}

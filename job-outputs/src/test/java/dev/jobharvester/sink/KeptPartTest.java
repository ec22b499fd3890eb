package dev.jobharvester.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a kept temp file may offer the next attempt, in the boot that wrote it and after a reboot. */
class KeptPartTest {

    private static final String ETAG = "\"5eed-300000\"";

    @TempDir
    Path dir;

    private Path temp(int bytes) throws Exception {
        return Files.write(dir.resolve(".inprogress-weights.bin"), new byte[bytes]);
    }

    @Test
    void inTheBootThatWroteItEveryByteWrittenIsKept() throws Exception {
        Path temp = temp(3_000_000);
        assertThat(KeptPart.mark(temp, ETAG, 0)).as("user attributes on the test's file system").isTrue();
        assertThat(KeptPart.read(temp)).isEqualTo(new KeptPart.Held(ETAG, 3_000_000));
    }

    @Test
    void afterARebootOnlyTheBytesSyncedAreKept() throws Exception {
        Path temp = temp(3_000_000);
        KeptPart.mark(temp, ETAG, "another-boot", 2_000_000);
        assertThat(KeptPart.read(temp)).isEqualTo(new KeptPart.Held(ETAG, 2_000_000));

        KeptPart.mark(temp, ETAG, "another-boot", 0);
        assertThat(KeptPart.read(temp)).as("nothing synced").isNull();

        KeptPart.mark(temp, ETAG, "another-boot", 4_000_000);
        assertThat(KeptPart.read(temp)).as("a file shorter than its synced bytes").isNull();
    }

    @Test
    void aFileUnmarkedTornOrClearedOffersNothing() throws Exception {
        Path temp = temp(3_000_000);
        assertThat(KeptPart.read(temp)).as("unmarked").isNull();

        Files.getFileAttributeView(temp, UserDefinedFileAttributeView.class).write(KeptPart.ATTRIBUTE,
                ByteBuffer.wrap("\"5eed".getBytes(StandardCharsets.UTF_8)));
        assertThat(KeptPart.read(temp)).as("torn").isNull();

        KeptPart.mark(temp, ETAG, 0);
        KeptPart.clear(temp);
        assertThat(KeptPart.read(temp)).as("cleared").isNull();
        assertThat(KeptPart.read(dir.resolve("missing"))).isNull();
    }

    @Test
    void aLinkInTheTempFilesPlaceOffersNothingEvenToAMarkedFile() throws Exception {
        Path marked = Files.write(dir.resolve("elsewhere.bin"), new byte[3_000_000]);
        KeptPart.mark(marked, ETAG, 0);
        Path link = Files.createSymbolicLink(dir.resolve(".inprogress-linked.bin"), marked);
        assertThat(KeptPart.read(link)).isNull();

        Path dangling = Files.createSymbolicLink(dir.resolve(".inprogress-dangling.bin"), dir.resolve("gone"));
        assertThat(KeptPart.read(dangling)).isNull();
    }
}

package dev.jobharvester.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SinkNamesTest {

    @Test
    void pathsAreNormalisedInsideTheJobFolder() {
        assertThat(SinkNames.relativePath("a/b/c.txt")).isEqualTo("a/b/c.txt");
        assertThat(SinkNames.relativePath("/abs/./x//y.bin")).isEqualTo("abs/x/y.bin");
        assertThat(SinkNames.relativePath("win\\style\\z.txt")).isEqualTo("win/style/z.txt");
    }

    @Test
    void pathsThatLeaveTheJobFolderOrHideControlCharactersAreRefused() {
        assertThatThrownBy(() -> SinkNames.relativePath("../etc/passwd")).hasMessageContaining("climbs out");
        assertThatThrownBy(() -> SinkNames.relativePath("a/../../b")).hasMessageContaining("climbs out");
        assertThatThrownBy(() -> SinkNames.relativePath("bad\u0000name")).hasMessageContaining("control characters")
                .hasMessageNotContaining("\u0000");
        assertThatThrownBy(() -> SinkNames.relativePath("./")).hasMessageContaining("names no file");
        assertThatThrownBy(() -> SinkNames.relativePath("_manifest.json")).hasMessageContaining("reserved");
    }

    @Test
    void namesThatDifferOnlyInCaseGetDistinctStableNames() {
        CaseInsensitiveNames names = new CaseInsensitiveNames();
        assertThat(names.claim("out/Model.bin", "out/Model.bin")).isEqualTo("out/Model.bin");
        String second = names.claim("out/model.bin", "out/model.bin");
        assertThat(second).matches("out/model~[0-9a-f]{8}\\.bin");
        assertThat(new CaseInsensitiveNames().claim("x", "x")).isEqualTo("x");
        CaseInsensitiveNames again = new CaseInsensitiveNames();
        again.claim("out/Model.bin", "out/Model.bin");
        assertThat(again.claim("out/model.bin", "out/model.bin")).as("the same listing maps the same way").isEqualTo(second);
    }

    @Test
    void aSegmentTooLongForAFilesystemIsShortenedStably() {
        String name = "é".repeat(200) + ".tar.gz";
        String fitted = SinkNames.relativePath("dir/" + name);
        assertThat(fitted).startsWith("dir/").endsWith(".gz");
        assertThat(fitted.substring(4).getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(255);
        assertThat(SinkNames.relativePath("dir/" + name)).isEqualTo(fitted);
    }

    @Test
    void aJobIdStaysOneSafeSegment() {
        assertThat(SinkNames.jobKey("tensorpool", "job-42_a.b")).isEqualTo("tensorpool/job-42_a.b");
        assertThat(SinkNames.jobKey("tensorpool", "../x")).isEqualTo("tensorpool/%2E.%2Fx");
        assertThat(SinkNames.jobKey("tensorpool", "..")).doesNotContain("/..").isEqualTo("tensorpool/%2E.");
        assertThat(SinkNames.jobKeyOf("tensorpool/j1/a/b.txt")).isEqualTo("tensorpool/j1");
        assertThat(SinkNames.jobKeyOf("plain")).isNull();
    }

    @Test
    void aFileNamedAsAFolderOfTheListingIsRenamedWhicheverComesFirst() {
        List<String> listing = List.of("clash/inner.txt", "clash", "Clash/other.txt");
        for (List<String> order : List.of(listing, List.of(listing.get(2), listing.get(1), listing.get(0)))) {
            CaseInsensitiveNames names = new CaseInsensitiveNames().reserveFoldersOf(listing);
            Map<String, String> claimed = new HashMap<>();
            order.forEach(path -> claimed.put(path, names.claim(path, path)));
            assertThat(claimed.get("clash")).as("in the order %s", order).matches("clash~[0-9a-f]{8}");
            assertThat(claimed.get("clash/inner.txt")).isEqualTo("clash/inner.txt");
            assertThat(claimed.get("Clash/other.txt")).isEqualTo("Clash/other.txt");
        }
    }

    @Test
    void aFolderWhoseNameAFileTookFirstIsMovedForEveryPathBelowIt() {
        CaseInsensitiveNames streamed = new CaseInsensitiveNames();
        assertThat(streamed.claim("clash", "clash")).isEqualTo("clash");
        String inner = streamed.claim("clash/a/inner.txt", "clash/a/inner.txt");
        assertThat(inner).matches("clash~[0-9a-f]{8}/a/inner.txt");
        String folder = inner.substring(0, inner.indexOf('/'));
        assertThat(streamed.claim("CLASH/b.txt", "CLASH/b.txt")).isEqualTo(folder + "/b.txt");
        assertThat(streamed.claim(folder, folder)).as("a file named as the moved folder").isNotEqualTo(folder);
    }
}

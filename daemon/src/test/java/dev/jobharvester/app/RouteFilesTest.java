package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which route files the daemon hands to Camel: the shipped ones found without scanning the jar. */
class RouteFilesTest {

    @TempDir
    Path dir;

    @Test
    void theShippedPatternNamesEveryShippedPipelineAndNothingElse() throws IOException {
        List<String> shipped;
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/routes"))) {
            shipped = files.map(file -> "classpath:routes/" + file.getFileName()).sorted().toList();
        }
        assertThat(shipped).hasSizeGreaterThanOrEqualTo(6);
        assertThat(Harvester.routeFiles("classpath:routes/*.yaml", null).split(",")).containsExactlyElementsOf(shipped);
    }

    @Test
    void aCommandForOneShippedPipelineBuildsItAloneAndAnyOtherNameKeepsThemAll() {
        assertThat(Harvester.routeFiles("classpath:routes/*.yaml", "tensorpool-to-s3"))
                .isEqualTo("classpath:routes/tensorpool-to-s3.yaml");
        assertThat(Harvester.routeFiles("classpath:routes/*.yaml", "my-own-pipeline").split(",")).hasSizeGreaterThan(1);
    }

    @Test
    void folderPatternsStayAsTheyAreAndThoseOfAMissingFolderGo() throws IOException {
        Files.createDirectories(dir.resolve("routes"));
        String mine = "file:" + dir.resolve("routes") + "/*.yaml";
        String missing = "file:" + dir.resolve("nowhere") + "/*.yaml";
        assertThat(Harvester.routeFiles(mine + "," + missing, "tensorpool-to-s3")).isEqualTo(mine);
    }
}

package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
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

    @Test
    void inAJarOnlyTheFolderItselfIsListedNotItsSubfoldersOrOtherExtensions() throws IOException {
        Path jar = dir.resolve("routes.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String name : new String[] {"routes/", "routes/b.yaml", "routes/a.yaml", "routes/notes.txt",
                    "routes/sub/c.yaml", "other/d.yaml"}) {
                out.putNextEntry(new JarEntry(name));
                if (!name.endsWith("/")) {
                    out.write("- route: {}\n".getBytes());
                }
                out.closeEntry();
            }
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            assertThat(ClasspathRoutes.expand("classpath:routes/*.yaml", loader))
                    .containsExactly("classpath:routes/a.yaml", "classpath:routes/b.yaml");
            assertThat(ClasspathRoutes.expand("classpath:missing/*.yaml", loader)).as("left to Camel")
                    .containsExactly("classpath:missing/*.yaml");
            assertThat(ClasspathRoutes.expand("classpath:routes/a.yaml", loader)).containsExactly("classpath:routes/a.yaml");
        }
    }
}

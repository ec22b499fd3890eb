package dev.jobharvester.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A class-path wildcard as the files it matches, read from the jars' directories, as Camel's scan would find them. */
class ClasspathWildcardTest {

    @TempDir
    Path dir;

    @Test
    void inAJarOnlyTheFolderItselfIsListedNotItsSubfoldersOrOtherExtensions() throws IOException {
        Path jar = jar("routes.jar", "routes/", "routes/b.yaml", "routes/a.yaml", "routes/notes.txt", "routes/sub/c.yaml",
                "other/d.yaml");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            assertThat(ClasspathWildcard.expand("classpath:routes/*.yaml", loader))
                    .containsExactly("classpath:routes/a.yaml", "classpath:routes/b.yaml");
            assertThat(ClasspathWildcard.expand("classpath:missing/*.yaml", loader)).as("left to Camel")
                    .containsExactly("classpath:missing/*.yaml");
            assertThat(ClasspathWildcard.expand("classpath:routes/a.yaml", loader))
                    .containsExactly("classpath:routes/a.yaml");
            assertThat(ClasspathWildcard.expand("file:routes/*.yaml", loader)).containsExactly("file:routes/*.yaml");
        }
    }

    @Test
    void everyJarAndFolderOfTheClassPathThatHasTheFolderIsLookedIn() throws IOException {
        Path first = jar("first.jar", "platforms/", "platforms/a.yaml", "platforms/same.yaml");
        Path second = jar("second.jar", "platforms/", "platforms/b.yaml", "platforms/same.yaml");
        Path classes = Files.createDirectories(dir.resolve("classes/platforms"));
        Files.writeString(classes.resolve("c.yaml"), "name: c\n");
        URL[] path = {first.toUri().toURL(), second.toUri().toURL(), dir.resolve("classes").toUri().toURL()};
        try (URLClassLoader loader = new URLClassLoader(path, null)) {
            assertThat(ClasspathWildcard.expand("classpath:platforms/*.yaml", loader)).containsExactly(
                    "classpath:platforms/a.yaml", "classpath:platforms/b.yaml", "classpath:platforms/c.yaml",
                    "classpath:platforms/same.yaml");
        }
    }

    @Test
    void aClassPathOfAnotherKindIsLeftToCamelsScan() throws IOException {
        URL bundle = new URL(null, "bundle://7.0:1/platforms/", new URLStreamHandler() {
            @Override
            protected URLConnection openConnection(URL url) throws IOException {
                throw new IOException("not listable here");
            }
        });
        ClassLoader loader = new ClassLoader(null) {
            @Override
            public Enumeration<URL> getResources(String name) {
                return Collections.enumeration(List.of(bundle));
            }
        };
        assertThat(ClasspathWildcard.expand("classpath:platforms/*.yaml", loader))
                .containsExactly("classpath:platforms/*.yaml");
    }

    private Path jar(String name, String... entries) throws IOException {
        Path jar = dir.resolve(name);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String entry : entries) {
                out.putNextEntry(new JarEntry(entry));
                if (!entry.endsWith("/")) {
                    out.write("- route: {}\n".getBytes());
                }
                out.closeEntry();
            }
        }
        return jar;
    }
}

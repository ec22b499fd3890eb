package dev.jobharvester.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/**
 * A {@code classpath:DIR/*.EXT} route pattern as the list of the files it matches. Camel resolves such a wildcard by
 * inflating every entry of the jar it is in: over a second for the shaded jar's 27,000 entries, at every start. A jar's
 * central directory names them all without reading one.
 */
final class ClasspathRoutes {

    private ClasspathRoutes() {
    }

    /** The pattern itself unless it is a classpath wildcard; otherwise each file it matches in the loader's class path. */
    static List<String> expand(String pattern, ClassLoader loader) {
        int star = pattern.indexOf("/*.");
        if (!pattern.startsWith("classpath:") || star < 0 || pattern.indexOf('*', star + 2) >= 0) {
            return List.of(pattern);
        }
        String folder = pattern.substring("classpath:".length(), star);
        String extension = pattern.substring(star + 2);
        URL url = loader.getResource(folder + "/");
        if (url == null) {
            // A jar without an entry for the folder itself: Camel's scan finds what is there.
            return List.of(pattern);
        }
        return files(url, folder).stream().filter(name -> name.endsWith(extension)).sorted()
                .map(name -> "classpath:" + folder + "/" + name).toList();
    }

    /** The names of the files directly in a class-path folder, from a jar or a folder of classes. */
    private static List<String> files(URL url, String folder) {
        try {
            if ("jar".equals(url.getProtocol())) {
                JarURLConnection connection = (JarURLConnection) url.openConnection();
                connection.setUseCaches(false);
                try (JarFile jar = connection.getJarFile()) {
                    String prefix = folder + "/";
                    return jar.stream().map(ZipEntry::getName)
                            .filter(name -> name.startsWith(prefix) && name.indexOf('/', prefix.length()) < 0
                                    && name.length() > prefix.length())
                            .map(name -> name.substring(prefix.length())).toList();
                }
            }
            try (Stream<Path> listed = Files.list(Path.of(url.toURI()))) {
                return listed.filter(Files::isRegularFile).map(path -> path.getFileName().toString()).toList();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + url, e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot list " + url, e);
        }
    }
}

package dev.jobharvester.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/**
 * A {@code classpath:DIR/*.EXT} pattern (of route files, of platform files) as the list of the files it matches.
 * Camel resolves such a wildcard by inflating every entry of the jar it is in: 0.7 s for the shaded jar's 27,000
 * entries, for each pattern, at every start. A jar's central directory names them all without reading one.
 */
public final class ClasspathWildcard {

    private static final Set<String> LISTABLE = Set.of("jar", "file");

    private ClasspathWildcard() {
    }

    /**
     * The pattern itself unless it is a classpath wildcard; otherwise each file it matches in the loader's class path
     * (in every jar or folder of it that has the folder), by name.
     */
    public static List<String> expand(String pattern, ClassLoader loader) {
        int star = pattern.indexOf("/*.");
        if (!pattern.startsWith("classpath:") || star < 0 || pattern.indexOf('*', star + 2) >= 0) {
            return List.of(pattern);
        }
        String folder = pattern.substring("classpath:".length(), star);
        String extension = pattern.substring(star + 2);
        List<URL> places = places(loader, folder);
        if (places.isEmpty() || !places.stream().allMatch(url -> LISTABLE.contains(url.getProtocol()))) {
            // A jar without an entry for the folder itself, or a class path of another kind (an OSGi bundle, say):
            // Camel's scan finds what is there.
            return List.of(pattern);
        }
        return places.stream().flatMap(url -> files(url, folder).stream()).filter(name -> name.endsWith(extension))
                .distinct().sorted().map(name -> "classpath:" + folder + "/" + name).toList();
    }

    private static List<URL> places(ClassLoader loader, String folder) {
        try {
            return Collections.list(loader.getResources(folder + "/"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look for " + folder + " in the class path", e);
        }
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

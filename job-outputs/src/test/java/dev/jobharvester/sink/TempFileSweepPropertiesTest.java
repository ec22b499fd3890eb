package dev.jobharvester.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The end-of-job sweep in generated trees: folders of any depth, in any order among many files, temp files at every
 * level, folders and links named like temp files (links to a file or a folder outside). Whatever the tree, every temp
 * file goes and nothing else does, outside or in.
 */
class TempFileSweepPropertiesTest {

    private static final String PREFIX = ".inprogress-";

    /** An entry of a generated tree: its path (folders before what is in them), and what it is. */
    record Entry(String path, Type type) {
    }

    enum Type { FILE, TEMP_FILE, FOLDER, TEMP_NAMED_FOLDER, TEMP_NAMED_LINK_TO_FILE, TEMP_NAMED_LINK_TO_FOLDER }

    @Provide
    Arbitrary<List<Entry>> trees() {
        Arbitrary<String> folders = Arbitraries.of("a", "b", "c", PREFIX + "d").list().ofMaxSize(3)
                .map(segments -> String.join("/", segments));
        Arbitrary<Type> types = Arbitraries.frequency(List.of(
                Tuple.of(8, Type.FILE), Tuple.of(3, Type.TEMP_FILE),
                Tuple.of(2, Type.FOLDER), Tuple.of(1, Type.TEMP_NAMED_FOLDER),
                Tuple.of(1, Type.TEMP_NAMED_LINK_TO_FILE),
                Tuple.of(1, Type.TEMP_NAMED_LINK_TO_FOLDER)));
        return Combinators.combine(folders, Arbitraries.integers().between(0, 40), types)
                .as((folder, n, type) -> new Entry((folder.isEmpty() ? "" : folder + "/")
                        + (type == Type.FILE || type == Type.FOLDER ? "e" : PREFIX + "e") + n, type))
                .list().ofMaxSize(120);
    }

    @Property(tries = 60)
    void everyTempFileGoesAndNothingElse(@ForAll("trees") List<Entry> tree) throws IOException {
        Path dir = Files.createTempDirectory("sweep");
        try {
            Path root = Files.createDirectories(dir.resolve("job"));
            Path outside = Files.createDirectories(dir.resolve("outside"));
            Path outsideFile = Files.writeString(outside.resolve(PREFIX + "kept.bin"), "not the sink's");
            Files.writeString(outside.resolve(PREFIX + "inner.bin"), "not the sink's either");
            for (Entry entry : tree) {
                plant(root, outside, outsideFile, entry);
            }
            Set<String> expected = listing(root).stream().filter(path -> !isTempFile(root.resolve(path)))
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> outsideBefore = listing(outside);

            new TempFileSweep(PREFIX).removeBelow(root);

            assertThat(listing(root)).isEqualTo(expected);
            assertThat(listing(outside)).isEqualTo(outsideBefore);
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    private static void plant(Path root, Path outside, Path outsideFile, Entry entry) throws IOException {
        Path path = root.resolve(entry.path());
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) || !Files.isDirectory(Files.createDirectories(
                path.getParent()), LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        switch (entry.type()) {
            case FILE, TEMP_FILE -> Files.writeString(path, entry.path());
            case FOLDER, TEMP_NAMED_FOLDER -> Files.createDirectory(path);
            case TEMP_NAMED_LINK_TO_FILE -> Files.createSymbolicLink(path, outsideFile);
            case TEMP_NAMED_LINK_TO_FOLDER -> Files.createSymbolicLink(path, outside);
        }
    }

    private static boolean isTempFile(Path path) {
        return path.getFileName().toString().startsWith(PREFIX) && Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS);
    }

    /** Every path below the folder, links not followed. */
    private static Set<String> listing(Path folder) throws IOException {
        try (Stream<Path> all = Files.walk(folder)) {
            return all.map(path -> folder.relativize(path).toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}

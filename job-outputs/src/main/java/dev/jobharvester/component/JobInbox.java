package dev.jobharvester.component;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory users drop files of job ids into: one id per line, blank lines and {@code #} comments ignored. A file
 * that has been read is moved to {@code .processed/} so it is read once; names starting with a dot are left alone,
 * so a file can be written under a dot name and renamed into place.
 */
final class JobInbox {

    private static final Logger LOG = LoggerFactory.getLogger(JobInbox.class);

    private final Path directory;

    JobInbox(Path directory) {
        this.directory = directory;
    }

    /** The job ids of every file dropped since the last call. */
    List<String> take() {
        List<String> ids = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return ids;
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList()) {
                List<String> found = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
                        .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
                Path processed = Files.createDirectories(directory.resolve(".processed"));
                Files.move(file, processed.resolve(file.getFileName() + "." + System.currentTimeMillis()),
                        StandardCopyOption.ATOMIC_MOVE);
                LOG.info("inbox {}: {} job ids from {}", directory, found.size(), file.getFileName());
                ids.addAll(found);
            }
        } catch (IOException e) {
            LOG.warn("inbox {}: cannot read it (will try again at the next poll): {}", directory, e.getMessage());
        }
        return ids;
    }
}

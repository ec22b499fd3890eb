package dev.jobharvester.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

/** A settings file as a user would write it: the values they change; the rest are the defaults in the jar. */
final class SettingsFile {

    private SettingsFile() {
    }

    static Path write(Path dir, Map<String, String> changes) throws IOException {
        String lines = changes.entrySet().stream().map(e -> e.getKey() + " = " + e.getValue())
                .collect(Collectors.joining("\n", "\n", "\n"));
        Path file = dir.resolve("application-" + Integer.toHexString(changes.hashCode()) + ".properties");
        return Files.writeString(file, lines);
    }
}

package dev.jobharvester.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

/** A settings file as a user would write it: the project's own, with some values changed at its end. */
final class SettingsFile {

    private SettingsFile() {
    }

    static Path write(Path dir, Map<String, String> changes) throws IOException {
        String lines = changes.entrySet().stream().map(e -> e.getKey() + " = " + e.getValue())
                .collect(Collectors.joining("\n", "\n", "\n"));
        Path file = dir.resolve("application-" + Integer.toHexString(changes.hashCode()) + ".properties");
        return Files.writeString(file, Files.readString(Harvester.DEFAULT_CONFIG) + lines);
    }
}

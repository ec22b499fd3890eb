package dev.jobharvester.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Where the daemon's settings come from, each source overriding the ones before it: the defaults inside the jar,
 * {@code config/application.properties} of the working directory when there is one, the {@code --config} file,
 * environment variables ({@code harvester.poll-delay} as {@code HARVESTER_POLL_DELAY}), {@code -D} system properties.
 * Camel reads files in the order of its locations, but looks up the environment before -D, and both before what it is
 * told to override with: so the last two are handed to it as overrides, in the documented order, and its own
 * environment and system property lookups only fill what nothing else sets (application.properties sets that mode).
 */
final class SettingsSources {

    /** Every setting with its default and its documentation. */
    static final String DEFAULTS = "application.properties";
    /** The settings file read from the working directory when it exists. */
    static final Path LOCAL_CONFIG = Path.of("config", "application.properties");

    private SettingsSources() {
    }

    /** The settings files, the one that wins first: Camel answers a key from the first location that has it. */
    static String locations(Path config) {
        List<String> locations = new ArrayList<>();
        if (config != null) {
            locations.add("file:" + config.toAbsolutePath());
        }
        locations.add("file:" + LOCAL_CONFIG.toAbsolutePath() + ";optional=true");
        locations.add("classpath:" + DEFAULTS);
        return String.join(",", locations);
    }

    /** The files that are read, for messages: "the defaults in the jar + config/application.properties". */
    static String describe(Path config) {
        List<String> sources = new ArrayList<>(List.of("the defaults in the jar"));
        if (Files.isRegularFile(LOCAL_CONFIG)) {
            sources.add(LOCAL_CONFIG.toString());
        }
        if (config != null) {
            sources.add(config.toString());
        }
        return String.join(" + ", sources);
    }

    /** What the environment, then -D, set of the jar's settings (and -D of Camel's own), to win over every file. */
    static Map<String, String> overriding() {
        Properties defaults = new Properties();
        try (InputStream in = SettingsSources.class.getResourceAsStream("/" + DEFAULTS)) {
            defaults.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> overriding = new HashMap<>();
        for (String key : defaults.stringPropertyNames()) {
            String variable = System.getenv(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
            if (variable != null) {
                overriding.put(key, variable);
            }
        }
        for (String key : System.getProperties().stringPropertyNames()) {
            if (defaults.containsKey(key) || key.startsWith("camel.")) {
                overriding.put(key, System.getProperty(key));
            }
        }
        return overriding;
    }
}

package dev.jobharvester.app;

import com.jcraft.jsch.JSch;
import dev.jobharvester.common.Failures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.main.Main;

/**
 * The daemon as camel-main runs it. Settings, each source overriding the ones before it: the defaults inside the jar,
 * {@code config/application.properties} of the working directory when there is one, the {@code --config} file,
 * environment variables ({@code harvester.poll-delay} as {@code HARVESTER_POLL_DELAY}), {@code -D} system properties.
 * Pipelines: the shipped ones inside the jar (each switched on or off by a setting), and the user's in {@code routes/}.
 */
public final class Harvester {

    private static final String ROUTES = "camel.main.routes-include-pattern";
    /** Every setting with its default and its documentation. */
    static final String DEFAULTS = "classpath:application.properties";
    /** The settings file read from the working directory when it exists. */
    public static final Path LOCAL_CONFIG = Path.of("config", "application.properties");
    /** For commands that build the pipelines without running them: no route starts, no port is opened. */
    static final Map<String, String> PIPELINES_NOT_STARTED = Map.of("camel.main.auto-startup", "false",
            "camel.management.enabled", "false", "camel.metrics.enabled", "false", "camel.main.jmx-enabled", "false");

    static {
        // The management server serves no file from the class path; resolving them would unpack into a vertx-cache-*
        // folder of the temp directory at every start, left there when the process ends.
        if (System.getProperty("vertx.disableFileCPResolving") == null) {
            System.setProperty("vertx.disableFileCPResolving", "true");
        }
    }

    private Harvester() {
    }

    /**
     * @param config    the {@code --config} file, or null
     * @param overrides settings that win over every other source (the demo and tests use them)
     */
    public static Main create(Path config, Map<String, String> overrides) {
        // JSch offers a refused password again up to 6 times per connection: a daemon has nothing new to type, and each
        // try counts toward the server's lockout (fail2ban, MaxAuthTries). JSch has this setting only globally.
        JSch.setConfig("MaxAuthTries", "1");
        Main main = new Main();
        main.setPropertyPlaceholderLocations(String.join(",", locations(config)));
        overrides.forEach(main::addOverrideProperty);
        main.addOverrideProperty(ROUTES, existingRoutes(setting(config, overrides, ROUTES)));
        main.bind("managementAddress", new ManagementAddress());
        JolokiaPolicy.apply(main, Boolean.parseBoolean(setting(config, overrides, JolokiaPolicy.OPERATIONS)));
        return main;
    }

    /** A setting as the daemon would read it (the file, the environment), without building any pipeline. */
    static String setting(Path config, String key) {
        return setting(config, Map.of(), key);
    }

    private static String setting(Path config, Map<String, String> overrides, String key) {
        DefaultCamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setLocation(String.join(",", locations(config)));
        Properties overriding = new Properties();
        overriding.putAll(overrides);
        context.getPropertiesComponent().setOverrideProperties(overriding);
        return context.resolvePropertyPlaceholders("{{" + key + "}}");
    }

    /**
     * The route patterns without those of a folder that does not exist: from an empty folder the jar runs with its
     * shipped pipelines alone (Camel fails on a missing folder).
     */
    static String existingRoutes(String patterns) {
        return Arrays.stream(patterns.split(",")).map(String::trim)
                .filter(p -> !p.startsWith("file:") || Files.isDirectory(Path.of(p.substring(5)).getParent()))
                .collect(Collectors.joining(","));
    }

    /** The settings files, the one that wins first: Camel answers a key from the first location that has it. */
    static List<String> locations(Path config) {
        List<String> locations = new ArrayList<>();
        if (config != null) {
            locations.add("file:" + config.toAbsolutePath());
        }
        locations.add("file:" + LOCAL_CONFIG.toAbsolutePath() + ";optional=true");
        locations.add(DEFAULTS);
        return locations;
    }

    /** The settings files that are read, for messages: "the defaults in the jar + config/application.properties". */
    static String sources(Path config) {
        List<String> sources = new ArrayList<>(List.of("the defaults in the jar"));
        if (Files.isRegularFile(LOCAL_CONFIG)) {
            sources.add(LOCAL_CONFIG.toString());
        }
        if (config != null) {
            sources.add(config.toString());
        }
        return String.join(" + ", sources);
    }

    /** One readable line per distinct message in the cause chain, the root cause last. */
    public static String describe(Throwable error) {
        return Failures.describe(error, "\n  because: ");
    }
}

package dev.jobharvester.app;

import com.jcraft.jsch.JSch;
import dev.jobharvester.common.ClasspathWildcard;
import dev.jobharvester.common.Failures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.camel.component.properties.PropertiesComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.main.Main;

/**
 * The daemon as camel-main runs it: settings from {@link SettingsSources}; pipelines, the shipped ones inside the jar
 * (each switched on or off by a setting), and the user's in {@code routes/}.
 */
public final class Harvester {

    private static final String ROUTES = "camel.main.routes-include-pattern";
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
        return create(config, overrides, null);
    }

    /**
     * @param routeId a pipeline to build alone of the shipped ones, when one has that id (a command that runs only it
     *                need not build the others' S3 and SFTP clients); null: all
     */
    static Main create(Path config, Map<String, String> overrides, String routeId) {
        // JSch offers a refused password again up to 6 times per connection: a daemon has nothing new to type, and each
        // try counts toward the server's lockout (fail2ban, MaxAuthTries). JSch has this setting only globally.
        JSch.setConfig("MaxAuthTries", "1");
        Main main = new Main();
        main.setPropertyPlaceholderLocations(SettingsSources.locations(config));
        Map<String, String> winning = new HashMap<>(SettingsSources.overriding());
        winning.putAll(overrides);
        winning.forEach(main::addOverrideProperty);
        UnaryOperator<String> setting = settings(config, winning);
        main.addOverrideProperty(ROUTES, routeFiles(setting.apply(ROUTES), routeId));
        main.bind("managementAddress", new ManagementAddress());
        JolokiaPolicy.apply(main, Boolean.parseBoolean(setting.apply(JolokiaPolicy.OPERATIONS)));
        return main;
    }

    /** The settings as the daemon would read them (the files, the environment, -D), without building any pipeline. */
    static UnaryOperator<String> settings(Path config) {
        return settings(config, SettingsSources.overriding());
    }

    private static UnaryOperator<String> settings(Path config, Map<String, String> overrides) {
        DefaultCamelContext context = new DefaultCamelContext();
        PropertiesComponent properties = (PropertiesComponent) context.getPropertiesComponent();
        properties.setLocation(SettingsSources.locations(config));
        properties.setEnvironmentVariableMode(PropertiesComponent.ENVIRONMENT_VARIABLES_MODE_FALLBACK);
        properties.setSystemPropertiesMode(PropertiesComponent.SYSTEM_PROPERTIES_MODE_FALLBACK);
        Properties overriding = new Properties();
        overriding.putAll(overrides);
        properties.setOverrideProperties(overriding);
        return key -> context.resolvePropertyPlaceholders("{{" + key + "}}");
    }

    /**
     * The route patterns without those of a folder that does not exist (from an empty folder the jar runs with its
     * shipped pipelines alone; Camel fails on a missing folder), the class path's as the files they match.
     */
    static String routeFiles(String patterns, String routeId) {
        return Arrays.stream(patterns.split(",")).map(String::trim)
                .filter(p -> !p.startsWith("file:") || Files.isDirectory(Path.of(p.substring(5)).getParent()))
                .flatMap(p -> only(ClasspathWildcard.expand(p, Harvester.class.getClassLoader()), routeId).stream())
                .collect(Collectors.joining(","));
    }

    private static List<String> only(List<String> files, String routeId) {
        List<String> named = files.stream().filter(file -> file.startsWith("classpath:")
                && file.endsWith("/" + routeId + ".yaml")).toList();
        return named.isEmpty() ? files : named;
    }

    /** One readable line per distinct message in the cause chain, the root cause last. */
    public static String describe(Throwable error) {
        return Failures.describe(error, "\n  because: ");
    }
}

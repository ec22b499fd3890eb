package dev.jobharvester.app;

import com.jcraft.jsch.JSch;
import dev.jobharvester.common.Failures;
import java.nio.file.Path;
import java.util.Map;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.main.Main;

/** The daemon as camel-main runs it: settings from the configuration file, pipelines from {@code routes/}. */
public final class Harvester {

    public static final Path DEFAULT_CONFIG = Path.of("config", "application.properties");
    /** For commands that build the pipelines without running them: no route starts, no port is opened. */
    static final Map<String, String> PIPELINES_NOT_STARTED = Map.of("camel.main.auto-startup", "false",
            "camel.management.enabled", "false", "camel.metrics.enabled", "false", "camel.main.jmx-enabled", "false");

    private Harvester() {
    }

    /**
     * @param config    the application.properties file
     * @param overrides settings that win over the file and the environment (the demo and tests use them)
     */
    public static Main create(Path config, Map<String, String> overrides) {
        // JSch offers a refused password again up to 6 times per connection: a daemon has nothing new to type, and each
        // try counts toward the server's lockout (fail2ban, MaxAuthTries). JSch has this setting only globally.
        JSch.setConfig("MaxAuthTries", "1");
        Main main = new Main();
        main.setPropertyPlaceholderLocations("file:" + config.toAbsolutePath());
        overrides.forEach(main::addOverrideProperty);
        return main;
    }

    /** A setting as the daemon would read it (the file, the environment), without building any pipeline. */
    static String setting(Path config, String key) {
        DefaultCamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setLocation("file:" + config.toAbsolutePath());
        return context.resolvePropertyPlaceholders("{{" + key + "}}");
    }

    /** One readable line per distinct message in the cause chain, the root cause last. */
    public static String describe(Throwable error) {
        return Failures.describe(error, "\n  because: ");
    }
}

package dev.jobharvester.app;

import java.nio.file.Path;
import java.util.Map;
import org.apache.camel.main.Main;

/** The daemon as camel-main runs it: settings from the configuration file, pipelines from {@code routes/}. */
public final class Harvester {

    public static final Path DEFAULT_CONFIG = Path.of("config", "application.properties");

    private Harvester() {
    }

    /**
     * @param config    the application.properties file
     * @param overrides settings that win over the file and the environment (the demo and tests use them)
     */
    public static Main create(Path config, Map<String, String> overrides) {
        Main main = new Main();
        main.setPropertyPlaceholderLocations("file:" + config.toAbsolutePath());
        overrides.forEach(main::addOverrideProperty);
        return main;
    }

    /** One readable line per distinct message in the cause chain, the root cause last. */
    public static String describe(Throwable error) {
        StringBuilder out = new StringBuilder();
        String previous = null;
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (previous == null || !previous.contains(message)) {
                out.append(out.length() == 0 ? "" : "\n  because: ").append(message);
            }
            previous = message;
        }
        return out.toString();
    }
}

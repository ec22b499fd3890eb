package dev.jobharvester.app;

import dev.jobharvester.component.JobOutputsComponent;
import dev.jobharvester.component.JobOutputsEndpoint;
import dev.jobharvester.provider.declared.DeclaredPlatform;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.main.Main;

/**
 * {@code check}: reads the settings and builds every pipeline, switched off ones too, as a start would, without
 * starting any; names the first mistake, or lists the pipelines found.
 */
final class ConfigCheck {

    private ConfigCheck() {
    }

    static int run(Path config, PrintStream out, PrintStream err) {
        String checked = "job-harvester check: " + SettingsSources.describe(config) + ": ";
        Main main = Harvester.create(config, Harvester.PIPELINES_NOT_STARTED);
        try {
            main.start();
        } catch (Exception e) {
            err.println(checked + Harvester.describe(e));
            return ExitCodes.CONFIG;
        }
        try {
            CamelContext context = main.getCamelContext();
            for (Route route : context.getRoutes()) {
                if (route.getEndpoint() instanceof JobOutputsEndpoint endpoint) {
                    try {
                        endpoint.ledgerName(route);
                    } catch (IllegalArgumentException e) {
                        err.println(checked + route.getRouteId() + " (" + route.getSourceLocationShort() + "): "
                                + e.getMessage());
                        return ExitCodes.CONFIG;
                    }
                }
            }
            out.println(checked + "fine; " + context.getRoutes().size() + " pipelines:");
            for (Route route : context.getRoutes()) {
                String source = route.getEndpoint() instanceof JobOutputsEndpoint endpoint
                        ? "job-outputs:" + endpoint.getConfiguration().getProvider() : route.getEndpoint().getEndpointBaseUri();
                out.printf("  %-32s %-24s %s%n", route.getRouteId(), source, route.isAutoStartup() ? "on" : "off");
            }
            Map<String, DeclaredPlatform> declared = context.getComponent("job-outputs", JobOutputsComponent.class)
                    .declaredPlatforms();
            if (!declared.isEmpty()) {
                out.println("platforms declared in files:");
                declared.values().forEach(p -> out.printf("  %-32s %s%n", p.facts().name(),
                        p.location()));
            }
            return ExitCodes.OK;
        } finally {
            main.stop();
        }
    }
}

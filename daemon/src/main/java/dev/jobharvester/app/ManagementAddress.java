package dev.jobharvester.app;

import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.CamelEvent.CamelContextStartedEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One start line with where health, metrics and Jolokia answer, on the address the server is bound to (Camel's own
 * endpoint summary prints 0.0.0.0 whatever the host, and takes four lines).
 */
final class ManagementAddress extends EventNotifierSupport {

    private static final Logger LOG = LoggerFactory.getLogger(ManagementAddress.class);

    ManagementAddress() {
        setIgnoreExchangeEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelContextStartedEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        CamelContext context = ((CamelContextStartedEvent) event).getContext();
        VertxPlatformHttpServer server = context.hasService(VertxPlatformHttpServer.class);
        if (server != null) {
            String host = context.resolvePropertyPlaceholders("{{camel.management.host}}");
            LOG.info("health, metrics and Jolokia at http://{}:{}/observe/ (health, metrics, jolokia)", host,
                    server.getPort());
        }
    }
}

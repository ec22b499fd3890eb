package dev.jobharvester.component;

import dev.jobharvester.provider.ApiStatus;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of one pipeline: down while its ledger cannot be written, while its platform's API does not answer, or
 * while its sink fails as a whole ({@link SinkOutage}).
 * It is not a liveness check: restarting the harvester brings neither the platform nor the sink back.
 */
final class HarvestHealthCheck extends AbstractHealthCheck {

    private final JobOutputsConsumer consumer;

    HarvestHealthCheck(JobOutputsConsumer consumer) {
        super("job-outputs", "job-outputs-" + consumer.getRouteId());
        this.consumer = consumer;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        ApiStatus api = consumer.apiStatus();
        builder.detail("provider", consumer.getProvider());
        builder.detail("paused", consumer.isPaused());
        builder.detail("api", consumer.getApiStatus());
        String ledgerFailure = consumer.ledgerFailure();
        if (ledgerFailure != null) {
            builder.message(ledgerFailure + "; no new files are taken until it can be written").down();
        } else if (!api.answering()) {
            builder.message(consumer.getProvider() + " API does not answer: " + api.lastFailure()).down();
        } else if (consumer.sinkOutage() != null) {
            builder.message(consumer.sinkOutage()).down();
        } else {
            builder.up();
        }
    }
}

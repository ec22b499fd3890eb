package dev.jobharvester.component;

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
        builder.detail("provider", consumer.getProvider());
        builder.detail("paused", consumer.isPaused());
        builder.detail("api", consumer.getApiStatus());
        String stalled = consumer.stalled();
        if (stalled != null) {
            builder.message(stalled).down();
        } else {
            builder.up();
        }
    }
}

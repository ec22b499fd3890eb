package dev.jobharvester.component;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The consumer's JMX figures as Micrometer meters (Prometheus {@code harvester_*}), tagged with the route and the
 * provider; bound when Camel has a meter registry (camel.metrics.enabled), removed when the consumer stops.
 */
final class HarvestMetrics implements AutoCloseable {

    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    private HarvestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    static HarvestMetrics bind(JobOutputsConsumer consumer) {
        MeterRegistry registry = consumer.getEndpoint().getCamelContext().getRegistry()
                .findSingleByType(MeterRegistry.class);
        HarvestMetrics metrics = new HarvestMetrics(registry);
        if (registry == null) {
            return metrics;
        }
        Tags tags = Tags.of("route", consumer.getRouteId(), "provider", consumer.getProvider());
        for (JobPhase phase : JobPhase.values()) {
            metrics.gauge("harvester.jobs", "Jobs tracked, by phase", tags.and("phase",
                    phase.name().toLowerCase(Locale.ROOT)), consumer, c -> c.jobsIn(phase));
        }
        HarvestStatistics statistics = consumer.statistics();
        metrics.counter("harvester.files.delivered", "Files delivered", tags, statistics,
                HarvestStatistics::filesDelivered);
        metrics.counter("harvester.bytes.delivered", "Bytes delivered", tags, statistics,
                HarvestStatistics::bytesDelivered);
        metrics.counter("harvester.retries", "Transfers resumed and files fetched again", tags, statistics,
                HarvestStatistics::retries);
        metrics.counter("harvester.sink.failures", "Deliveries the sink failed", tags, statistics,
                HarvestStatistics::sinkFailures);
        metrics.gauge("harvester.files.in.flight", "Downloads running", tags, consumer,
                JobOutputsConsumer::getFilesInFlight);
        metrics.gauge("harvester.files.parked", "Files parked after repeated failures", tags, consumer,
                c -> c.getParkedFiles().size());
        metrics.gauge("harvester.api.up", "1 while the platform's API answers", tags, consumer,
                c -> c.isApiAnswering() ? 1 : 0);
        metrics.gauge("harvester.sink.up", "1 while the sink takes deliveries", tags, consumer,
                c -> c.sinkOutage() == null ? 1 : 0);
        metrics.gauge("harvester.paused", "1 while the pipeline is paused", tags, consumer, c -> c.isPaused() ? 1 : 0);
        metrics.gauge("harvester.last.delivery.timestamp.seconds", "When the sink last took a file", tags, statistics,
                seconds(HarvestStatistics::lastDelivery));
        metrics.gauge("harvester.last.poll.timestamp.seconds", "When the platform was last polled", tags, statistics,
                seconds(HarvestStatistics::lastPoll));
        return metrics;
    }

    private static ToDoubleFunction<HarvestStatistics> seconds(Function<HarvestStatistics, Instant> instant) {
        return s -> instant.apply(s) == null ? 0 : instant.apply(s).getEpochSecond();
    }

    private <T> void gauge(String name, String help, Tags tags, T source, ToDoubleFunction<T> value) {
        meters.add(Gauge.builder(name, source, value).description(help).tags(tags).register(registry));
    }

    private <T> void counter(String name, String help, Tags tags, T source, ToDoubleFunction<T> value) {
        meters.add(FunctionCounter.builder(name, source, value).description(help).tags(tags).register(registry));
    }

    @Override
    public void close() {
        if (registry != null) {
            meters.forEach(registry::remove);
        }
        meters.clear();
    }
}

package dev.jobharvester.component;

import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;

/** What one harvesting consumer did since it started: the figures JMX, metrics and the health check show. */
final class HarvestStatistics {

    private final LongAdder filesDelivered = new LongAdder();
    private final LongAdder bytesDelivered = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder sinkFailures = new LongAdder();
    private volatile Instant lastDelivery;
    private volatile Instant lastPoll;
    private volatile String sinkError;

    void delivered(long bytes) {
        filesDelivered.increment();
        bytesDelivered.add(Math.max(0, bytes));
        deliveredToSink();
    }

    /** The sink took something (a file or a manifest): it works again. */
    void deliveredToSink() {
        lastDelivery = Instant.now();
        sinkError = null;
    }

    void sinkFailed(String error) {
        sinkFailures.increment();
        sinkError = error;
    }

    void retried(long count) {
        retries.add(count);
    }

    void polled() {
        lastPoll = Instant.now();
    }

    long filesDelivered() {
        return filesDelivered.sum();
    }

    long bytesDelivered() {
        return bytesDelivered.sum();
    }

    /** Downloads resumed after a break, and files fetched again after a failed attempt. */
    long retries() {
        return retries.sum();
    }

    long sinkFailures() {
        return sinkFailures.sum();
    }

    Instant lastDelivery() {
        return lastDelivery;
    }

    Instant lastPoll() {
        return lastPoll;
    }

    /** Why the sink failed the last delivery, or null when the last one went through. */
    String sinkError() {
        return sinkError;
    }
}

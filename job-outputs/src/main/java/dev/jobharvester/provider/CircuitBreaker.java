package dev.jobharvester.provider;

import dev.jobharvester.common.CoolDown;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops asking a platform whose API keeps failing: after {@link #THRESHOLD} failed calls in a row (each already
 * retried) calls fail at once for a cool-down that doubles up to five minutes; then one call is let through to see
 * whether the platform is back. Hand-written: one counter and a time, where a library would bring a framework.
 */
final class CircuitBreaker {

    static final int THRESHOLD = 3;
    private static final Logger LOG = LoggerFactory.getLogger(CircuitBreaker.class);
    private static final Duration FIRST_COOL_DOWN = Duration.ofSeconds(15);
    private static final Duration MAX_COOL_DOWN = Duration.ofMinutes(5);

    private final String provider;
    private int failures;
    private final CoolDown coolDown = new CoolDown(FIRST_COOL_DOWN, MAX_COOL_DOWN);
    private Instant openUntil;

    CircuitBreaker(String provider) {
        this.provider = provider;
    }

    /** Fails at once, without a request, while the circuit is open; the failure is not the job's fault. */
    synchronized void check() throws IOException {
        if (openUntil != null && Instant.now().isBefore(openUntil)) {
            throw new IOException(provider + " API: not asked until " + openUntil + " after " + failures
                    + " failed calls in a row");
        }
    }

    synchronized void succeeded() {
        if (openUntil != null) {
            LOG.info("{} API answers again", provider);
        }
        failures = 0;
        coolDown.reset();
        openUntil = null;
    }

    synchronized void failed() {
        failures++;
        if (failures >= THRESHOLD) {
            openUntil = Instant.now().plus(coolDown.take());
            LOG.warn("{} API failed {} calls in a row: not asking it again until {}", provider, failures, openUntil);
        }
    }
}

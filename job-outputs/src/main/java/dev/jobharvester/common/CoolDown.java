package dev.jobharvester.common;

import java.time.Duration;

/**
 * A wait that doubles with each failure in a row, from a first to a most, and starts over once things work: the
 * pause of a circuit breaker. Not thread-safe: its owner guards it.
 */
public final class CoolDown {

    private final Duration first;
    private final Duration most;
    private Duration next;

    public CoolDown(Duration first, Duration most) {
        this.first = first;
        this.most = most;
        this.next = first;
    }

    /** The wait after this failure; the next one is twice as long, up to the most. */
    public Duration take() {
        Duration wait = next;
        next = next.multipliedBy(2).compareTo(most) > 0 ? most : next.multipliedBy(2);
        return wait;
    }

    public Duration most() {
        return most;
    }

    /** Things work again: the next wait is the first. */
    public void reset() {
        next = first;
    }
}

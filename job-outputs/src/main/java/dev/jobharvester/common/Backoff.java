package dev.jobharvester.common;

import java.util.concurrent.ThreadLocalRandom;

/** Exponential waits with full jitter, so clients that failed together do not come back together. */
public final class Backoff {

    static final long BASE_MILLIS = 200;
    static final long MAX_MILLIS = 10_000;

    private Backoff() {
    }

    /** A wait for the given attempt (0 first): up to 200 ms, 400 ms, 800 ms, ... at most 10 s. */
    public static long millis(int attempt) {
        long ceiling = Math.min(MAX_MILLIS, BASE_MILLIS << Math.min(attempt, 16));
        return ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
    }

    /** Waits {@link #millis(int)}; an interrupt ends the wait early and is kept for the caller to see. */
    public static void pause(int attempt) {
        sleep(millis(attempt));
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

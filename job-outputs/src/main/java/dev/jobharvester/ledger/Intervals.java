package dev.jobharvester.ledger;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The pace of a job schedule.
 *
 * @param base  the interval of a job whose state just changed: the poll delay
 * @param max   the longest interval a job whose state does not change backs off to
 * @param claim how long a job handed to an instance stays its own to ask before another instance may take it
 */
public record Intervals(Duration base, Duration max, Duration claim) {

    /** The interval after one more answer that did not change: twice this one, within base and max. */
    long longer(long intervalMillis) {
        return Math.max(base.toMillis(), Math.min(max.toMillis(), intervalMillis * 2));
    }

    /**
     * The pause until a job is due, its interval stretched by up to a quarter at random: jobs watched together would
     * otherwise stay in step, and the platform would get them in bursts.
     */
    static long spread(long intervalMillis) {
        return intervalMillis + ThreadLocalRandom.current().nextLong(intervalMillis / 4 + 1);
    }
}

package dev.jobharvester.ledger;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * When each watched job of a pipeline is next asked for its state, and by which instance. A job whose state does not
 * change is asked less and less often: its interval doubles from {@code base} up to {@code max} and starts over when
 * the state changes. Instances sharing a ledger share its schedule: a due job is handed to one of them, so the
 * platform sees the calls of one instance however many run, and an instance that dies leaves its jobs due for the
 * others. Pipeline-wide tasks (discovery, a listing of states) run on one instance at a time the same way.
 */
public interface JobSchedule {

    /** A job handed out to be asked for its state now. */
    record Due(String jobKey, String jobId) {
    }

    /** A state a listing of many jobs gave, and whether the job still waits to end (a state that is not terminal). */
    record Listed(String state, boolean waiting) {
    }

    /** Watches a job from now on, due at once; a job watched already is left as it is. */
    void watch(String jobKey, String jobId);

    /**
     * Hands this instance up to {@code max} of the due jobs, the longest due first. No other instance is handed them
     * until they are rescheduled, or the claim lapses (the instance died asking).
     */
    List<Due> due(int max);

    /**
     * The job was asked for its state: it is due again after its interval, doubled while the state is the one seen
     * the last time, started over when it changed; stretched by up to a quarter at random, so that jobs watched
     * together drift apart.
     *
     * @param state the state the platform answered; null when it did not answer, which counts as unchanged
     */
    void checked(String jobKey, String state);

    /** Due again after {@code delay}, its interval untouched: there is work left that does not wait on its state. */
    void again(String jobKey, Duration delay);

    /** Not watched any longer. */
    void unwatch(String jobKey);

    /**
     * What one listing of the platform's jobs said of them: a watched job whose state changed is due at once; one that
     * still waits is not asked on its own before {@code max}, as the next listing answers for it (a job not asked yet
     * takes the listed state as its first answer). A job listed as ended is asked on its own.
     */
    void listed(Map<String, Listed> byJobKey);

    /**
     * Whether a pipeline-wide task is this instance's to run now: true at most once per {@code every} across the
     * instances sharing the schedule.
     */
    boolean turn(String task, Duration every);

    /** How many jobs are watched. */
    int watched();
}

package dev.jobharvester.component;

import dev.jobharvester.common.SinkNames;
import dev.jobharvester.ledger.JobSchedule;
import dev.jobharvester.ledger.LedgerFailureException;
import dev.jobharvester.provider.JobProvider;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pipeline's side of the job schedule: which jobs are watched, which are due to be asked now, and when each is
 * due next, from where its turn left it. A write the schedule could not take (a shared one out of reach) is not
 * lost: the job is put in, or made due, at the first poll that reaches it.
 */
final class JobWatch {

    private static final Logger LOG = LoggerFactory.getLogger(JobWatch.class);
    /**
     * Watched jobs from which one listing of the platform's jobs per poll costs less than asking each on its own: a
     * listing is a call per page of 100 jobs, a job backing off is asked far less often than at every poll.
     */
    private static final int LISTING_PAYS = 20;

    private final JobSchedule schedule;
    private final JobProvider provider;
    private final Duration pollDelay;
    private final Duration watchDelay;
    /** Jobs added while the schedule could not be reached, in order. */
    private final Set<TrackedJob> notYetWatched = new CopyOnWriteArraySet<>();
    /** Jobs whose turn ended while the schedule could not be written: due again once it can. */
    private final Set<String> dueOnceReachable = ConcurrentHashMap.newKeySet();

    JobWatch(JobSchedule schedule, JobProvider provider, Duration pollDelay, Duration watchDelay) {
        this.schedule = schedule;
        this.provider = provider;
        this.pollDelay = pollDelay;
        this.watchDelay = watchDelay;
    }

    /** Puts a job in the schedule, due at once; while a shared one cannot be reached, at a later poll. */
    void watch(TrackedJob job) {
        notYetWatched.add(job);
        catchUp();
    }

    /** Makes the writes the schedule could not take before, as far as it can be reached now. */
    void catchUp() {
        try {
            for (TrackedJob job : notYetWatched) {
                schedule.watch(job.jobKey, job.jobId);
                notYetWatched.remove(job);
            }
            for (String jobKey : dueOnceReachable) {
                schedule.again(jobKey, Duration.ZERO);
                dueOnceReachable.remove(jobKey);
            }
        } catch (LedgerFailureException e) {
            LOG.debug("{} (tried again at the next poll)", e.getMessage());
        }
    }

    /** Whether a pipeline-wide task (discovery) is this instance's to run at this poll. */
    boolean turn(String task) {
        return schedule.turn(task, pollDelay);
    }

    /** Hands this instance up to {@code max} of the jobs due now. */
    List<JobSchedule.Due> due(int max) {
        return schedule.due(max);
    }

    /**
     * Takes the states of the platform's job list, where it has one and enough jobs are watched, for every watched job
     * at once, on one instance per poll.
     */
    void listStates() {
        if (!provider.facts().discovery() || schedule.watched() < LISTING_PAYS || !turn("list-states")) {
            return;
        }
        Map<String, JobSchedule.Listed> byKey = new LinkedHashMap<>();
        try {
            provider.listedStates().forEach((id, status) -> byKey.put(SinkNames.jobKey(provider.name(), id),
                    new JobSchedule.Listed(status.providerState(), !status.state().isTerminal())));
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: listing the jobs' states failed (each job is asked on its own meanwhile): {}",
                    provider.name(), e.getMessage());
            return;
        }
        schedule.listed(byKey);
    }

    /**
     * Tells the schedule when the job is next due, from where its turn left it.
     *
     * @param handBack whether the job is due at once, for whichever instance has a job worker free
     */
    void turnEnded(TrackedJob job, boolean handBack) {
        try {
            if (handBack) {
                schedule.again(job.jobKey, Duration.ZERO);
            } else if (job.harvestedReversibly() != null) {
                schedule.again(job.jobKey, watchDelay);
            } else if (job.phase().isFinished()) {
                schedule.unwatch(job.jobKey);
            } else if (job.terminal() != null || job.lastState() == null) {
                // Its harvest goes on, or a new run (or its first answer) is awaited: at the next poll.
                schedule.again(job.jobKey, pollDelay);
            } else {
                schedule.checked(job.jobKey, job.lastState());
            }
        } catch (LedgerFailureException e) {
            // Not left until its claim in the schedule lapses: due as soon as the schedule can be written again.
            dueOnceReachable.add(job.jobKey);
            LOG.warn("{}", e.getMessage());
        }
    }
}

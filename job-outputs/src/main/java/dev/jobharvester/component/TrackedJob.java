package dev.jobharvester.component;

import dev.jobharvester.common.OutputFile;
import dev.jobharvester.ledger.Ledger;
import dev.jobharvester.provider.JobStatus;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A job a consumer watches, and the rules of its life, without Camel: waiting (polled until its platform says it
 * ended) → harvesting (its files go to the sink) → harvested, or parked (every file in but parked ones), or not
 * harvested (it ended in a state the route does not take), or given up (its platform kept answering errors). Each
 * state has a way out that does not depend on the platform behaving: a waiting job is given up after
 * {@code maxJobErrors} error answers in a row, a parked one goes back to harvesting on retryParkedFiles, a finished
 * one is tracked anew on addJob or harvestAgain, and one harvested in a state its platform can take it back from is
 * watched, and tracked anew as its next run when the platform does. Fields are touched by the job's turn (one at a
 * time, on a job worker) and by completions of its exchanges.
 */
final class TrackedJob {

    /** What the state the platform answered means for the job. */
    enum Verdict {
        /** not ended yet */
        WAIT,
        /** ended in a state that is harvested: its files are fetched now */
        HARVEST,
        /** ended in a state that is not harvested, but one it can leave again (a retried job): still watched */
        WATCH,
        /** ended in a state that is not harvested: done with */
        NOT_HARVESTED
    }

    final String jobId;
    final String jobKey;
    /** Which harvest of the job this is: the next one once its platform took it back from the state harvested. */
    final int run;
    private volatile JobPhase phase = JobPhase.WAITING;
    /** The state it was harvested in, while its platform can take it back from it: it is watched meanwhile. */
    private volatile String harvestedReversibly;
    private volatile String lastState;
    private JobStatus terminal;
    private int errorsInARow;
    private long harvestStartedNanos;
    final JobProgress progress = new JobProgress();
    /** Failed attempts per file path, in this run. */
    final Map<String, Integer> fileFailures = new ConcurrentHashMap<>();
    /** The last page listed again for fresh locations; guarded by the job itself. */
    Relisting relisting;

    TrackedJob(String jobId, String jobKey) {
        this(jobId, jobKey, 1);
    }

    TrackedJob(String jobId, String jobKey, int run) {
        this.jobId = jobId;
        this.jobKey = jobKey;
        this.run = run;
    }

    /** A page of outputs listed again for fresh locations, by path: every expired file of the page looks itself up. */
    record Relisting(String page, Instant at, Map<String, OutputFile> files) {
    }

    JobPhase phase() {
        return phase;
    }

    /** The platform's last word on the job in this run, or null before it was asked. */
    String lastState() {
        return lastState;
    }

    /** The terminal status its files are harvested under, or null while it is not harvesting. */
    JobStatus terminal() {
        return terminal;
    }

    /** Whether the job's state must still be asked: it has not been seen in a harvestable state. */
    boolean needsStatus() {
        return terminal == null;
    }

    /** Whether the platform answered a state other than the last one (the first answer counts). */
    boolean stateChanged(JobStatus status) {
        return !status.providerState().equals(lastState);
    }

    /**
     * Takes the platform's answer: a harvestable terminal state starts the harvest, any other terminal state ends the
     * job unless it is reversible. The state is recorded after the phase it leads to, so that whoever reads the state
     * and then the phase never sees a job told of but not yet moved on ({@code harvest} once took a completed job for
     * one still running on its platform that way).
     */
    Verdict seen(JobStatus status, Set<String> harvestStates, Set<String> reversibleStates) {
        errorsInARow = 0;
        Verdict verdict = judge(status, harvestStates, reversibleStates);
        lastState = status.providerState();
        return verdict;
    }

    private Verdict judge(JobStatus status, Set<String> harvestStates, Set<String> reversibleStates) {
        if (!status.state().isTerminal()) {
            return Verdict.WAIT;
        }
        if (harvestStates.contains(status.providerState())) {
            terminal = status;
            harvestedReversibly = reversibleStates.contains(status.providerState()) ? status.providerState() : null;
            harvestStartedNanos = System.nanoTime();
            phase = JobPhase.HARVESTING;
            return Verdict.HARVEST;
        }
        if (reversibleStates.contains(status.providerState())) {
            return Verdict.WATCH;
        }
        phase = JobPhase.NOT_HARVESTED;
        return Verdict.NOT_HARVESTED;
    }

    /** A poll that reached the platform without an error answer. */
    void answered() {
        errorsInARow = 0;
    }

    /**
     * The platform answered an error about the job; answers whether the job is given up now.
     *
     * @param maxErrors errors in a row that give the job up; 0 never does
     */
    boolean errorAnswered(int maxErrors) {
        errorsInARow++;
        if (maxErrors > 0 && errorsInARow >= maxErrors) {
            phase = JobPhase.GIVEN_UP;
            return true;
        }
        return false;
    }

    int errorsInARow() {
        return errorsInARow;
    }

    /** Every file and the manifest are in the sink (or the ledger says so already). */
    void harvested() {
        phase = JobPhase.HARVESTED;
    }

    /**
     * Harvested in {@code state}: still watched when its platform can take the job back from it (Archetype AI retries a
     * FAILED job), so that a later run is harvested too.
     */
    private void harvested(String state, Set<String> reversibleStates) {
        harvestedReversibly = state != null && reversibleStates.contains(state) ? state : null;
        phase = JobPhase.HARVESTED;
    }

    /**
     * Takes what the ledger says of the job's completion: answers whether this run of the job is harvested already
     * (then it is so, and watched when its platform can take it back); an earlier run's record is not this run's.
     */
    boolean harvestedAlready(Optional<Ledger.Completion> done, Set<String> reversibleStates) {
        if (done.isEmpty() || done.get().run() < run) {
            return false;
        }
        harvested(done.get().state(), reversibleStates);
        return true;
    }

    /** The state it was harvested in, when its platform can take it back from it; null otherwise. */
    String harvestedReversibly() {
        return phase == JobPhase.HARVESTED ? harvestedReversibly : null;
    }

    /** Every file is in the sink but parked ones: the manifest waits for them. */
    void parked() {
        phase = JobPhase.PARKED;
    }

    /** Its parked files are to be tried again: a job done with is taken up again. */
    void retryParked() {
        if (phase.isFinished()) {
            phase = JobPhase.HARVESTING;
        }
    }

    long harvestNanos() {
        return System.nanoTime() - harvestStartedNanos;
    }
}

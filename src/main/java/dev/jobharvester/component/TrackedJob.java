package dev.jobharvester.component;

import dev.jobharvester.provider.JobStatus;
import dev.jobharvester.provider.OutputFile;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** A job a consumer watches. Fields are touched by the polling thread, and by completions of its exchanges. */
final class TrackedJob {

    final String jobId;
    final String jobKey;
    volatile JobPhase phase = JobPhase.WAITING;
    String lastState;
    JobStatus terminal;
    long harvestStartedNanos;
    final LongAdder bytesThisRun = new LongAdder();
    int errors;
    Relisting relisting;
    final Map<String, Integer> fileFailures = new ConcurrentHashMap<>();

    TrackedJob(String jobId, String jobKey) {
        this.jobId = jobId;
        this.jobKey = jobKey;
    }

    /** A page of outputs listed again for fresh locations. */
    record Relisting(String page, Instant at, List<OutputFile> files) {
    }
}

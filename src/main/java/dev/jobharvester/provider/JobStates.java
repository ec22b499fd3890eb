package dev.jobharvester.provider;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A platform's state names mapped onto {@link JobState}; an unknown name counts as still running, with a warning. */
public final class JobStates {

    private static final Logger LOG = LoggerFactory.getLogger(JobStates.class);

    private final String provider;
    private final Map<String, JobState> states;

    public JobStates(String provider, Map<String, JobState> states) {
        this.provider = provider;
        this.states = states;
    }

    public JobStatus of(String jobId, String providerState) {
        JobState state = states.get(providerState);
        if (state == null) {
            LOG.warn("{} job {}: unknown status '{}', treated as still running", provider, jobId, providerState);
            state = JobState.RUNNING;
        }
        return new JobStatus(state, providerState);
    }
}

package dev.jobharvester.provider;

/**
 * A job's state as the harvester sees it, with the platform's own name for it: users choose what to harvest by
 * the names their platform uses ({@code error} on TensorPool, {@code FAILED} on Archetype AI).
 *
 * @param outcome what the platform says of the job's result beyond its state, for the manifest, or null
 */
public record JobStatus(JobState state, String providerState, String outcome) {

    public JobStatus(JobState state, String providerState) {
        this(state, providerState, null);
    }
}

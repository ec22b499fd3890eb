package dev.jobharvester.provider;

import dev.jobharvester.common.OutputFile;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything platform-specific that needs the platform's API: how to read a job's state, list its outputs and find
 * jobs. The consumer, the download stream and the ledger know no platform.
 */
public abstract class JobProvider {

    private final PlatformFacts facts;
    private final ApiClient api;

    protected JobProvider(PlatformFacts facts, ApiClient api) {
        this.facts = facts;
        this.api = api;
    }

    /** The name used in endpoint URIs, headers and sink paths, e.g. {@code tensorpool}. */
    public final String name() {
        return facts.name();
    }

    public final PlatformFacts facts() {
        return facts;
    }

    /** The client of the platform's API, which knows whether the API answers. */
    public final ApiClient api() {
        return api;
    }

    public abstract JobStatus status(String jobId) throws IOException;

    /**
     * One page of the outputs of a job in a terminal state, with fresh download locations; empty when the platform
     * is not ready to hand them out yet (the job is then polled again later).
     *
     * @param page null for the first page, else the {@link OutputPage#next()} of the previous one
     */
    public abstract Optional<OutputPage> outputs(String jobId, String page) throws IOException;

    /** The Authorization header a file's download needs, or null: presigned URLs carry their own. */
    public String downloadAuthorization(OutputFile file) {
        return null;
    }

    /** The ids of the jobs the platform lists that match the filter, when its facts say it has a job list. */
    public List<String> discover(DiscoveryFilter filter) throws IOException {
        throw new UnsupportedOperationException(name() + " has no job list to discover jobs from");
    }

    /**
     * The states of the jobs the platform lists, by job id, in one sweep of its job list, where its facts say it has
     * one ({@link PlatformFacts#discovery()}). Jobs it does not list are asked on their own.
     */
    public Map<String, JobStatus> listedStates() throws IOException {
        throw new UnsupportedOperationException(name() + " has no job list that gives the jobs' states");
    }

    /** A problem with what the platform answered about a job. */
    protected final ProviderException problem(String jobId, String problem) {
        return new ProviderException(name(), jobId, problem);
    }
}

package dev.jobharvester.provider;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Everything platform-specific: how to read a job's state, list its outputs and find jobs. The consumer, the
 * download stream and the ledger know no platform.
 */
public interface JobProvider {

    /** The name used in endpoint URIs, headers and sink paths, e.g. {@code tensorpool}. */
    String name();

    /** The client of the platform's API, which knows whether the API answers. */
    ApiClient api();

    /** The platform's terminal state names, in the platform's spelling. */
    Set<String> terminalStates();

    /** Which terminal states are harvested when the route does not say. */
    Set<String> defaultHarvestStates();

    /** Terminal states a job can leave again (a retried job): such a job is kept under watch. */
    default Set<String> reversibleStates() {
        return Set.of();
    }

    JobStatus status(String jobId) throws IOException;

    /**
     * One page of the outputs of a job in a terminal state, with fresh download locations; empty when the platform
     * is not ready to hand them out yet (the job is then polled again later).
     *
     * @param page null for the first page, else the {@link OutputPage#next()} of the previous one
     */
    Optional<OutputPage> outputs(String jobId, String page) throws IOException;

    /** The storage hosts this platform's download URLs point at ({@code *.} patterns allowed). */
    default Set<String> storageHosts() {
        return Set.of("*.amazonaws.com");
    }

    /** The Authorization header a file's download needs, or null: presigned URLs carry their own. */
    default String downloadAuthorization(OutputFile file) {
        return null;
    }

    /** Whether {@link #discover} works: the platform has a usable job list. */
    default boolean canDiscover() {
        return false;
    }

    /** The ids of the jobs the platform lists that match the filter. */
    default List<String> discover(DiscoveryFilter filter) throws IOException {
        throw new UnsupportedOperationException(name() + " has no job list to discover jobs from");
    }
}

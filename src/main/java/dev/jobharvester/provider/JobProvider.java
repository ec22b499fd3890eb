package dev.jobharvester.provider;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Everything platform-specific: how to read a job's state and how to list its outputs. The consumer, the download
 * stream and the ledger know no platform.
 */
public interface JobProvider {

    /** The name used in endpoint URIs, headers and sink paths, e.g. {@code tensorpool}. */
    String name();

    /** The platform's terminal state names, in the platform's spelling. */
    Set<String> terminalStates();

    /** Which terminal states are harvested when the route does not say. */
    Set<String> defaultHarvestStates();

    JobStatus status(String jobId) throws IOException;

    /**
     * The outputs of a job in a terminal state, with fresh download locations; empty when the platform is not ready
     * to hand them out yet (the job is then polled again later).
     */
    Optional<List<OutputFile>> outputs(String jobId) throws IOException;
}

package dev.jobharvester.provider;

import java.io.IOException;

/**
 * A platform answered something the harvester cannot use. The message names the provider, the job and what was
 * wrong, and never carries a credential.
 */
public class ProviderException extends IOException {

    private final int httpStatus;

    public ProviderException(String provider, String jobId, String problem) {
        this(provider, jobId, problem, 0);
    }

    public ProviderException(String provider, String jobId, String problem, int httpStatus) {
        super(provider + " job " + jobId + ": " + problem);
        this.httpStatus = httpStatus;
    }

    /** The HTTP status the platform answered with, or 0 when the problem was not an HTTP error. */
    public int httpStatus() {
        return httpStatus;
    }
}

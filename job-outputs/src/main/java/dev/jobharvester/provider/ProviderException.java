package dev.jobharvester.provider;

import java.io.IOException;

/**
 * A platform answered something the harvester cannot use. The message names the provider, the job and what was
 * wrong, and never carries a credential.
 */
public class ProviderException extends IOException {

    private final int httpStatus;
    private final long retryAfterMillis;

    public ProviderException(String provider, String jobId, String problem) {
        this(provider, jobId, problem, 0, -1);
    }

    /**
     * @param retryAfterMillis how long the platform asked to wait ({@code Retry-After}), or -1 when it did not say
     */
    public ProviderException(String provider, String jobId, String problem, int httpStatus, long retryAfterMillis) {
        super(provider + " job " + jobId + ": " + problem);
        this.httpStatus = httpStatus;
        this.retryAfterMillis = retryAfterMillis;
    }

    /** Whether asking again later may get another answer: rate limited, or the platform's own failure. */
    public boolean isTransient() {
        return httpStatus == 429 || httpStatus >= 500;
    }

    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    /** The HTTP status the platform answered with, or 0 when the problem was not an HTTP error. */
    public int httpStatus() {
        return httpStatus;
    }
}

package dev.jobharvester.provider;

import java.time.Instant;

/**
 * Whether a platform's API answered its last call: any answer counts, even an error about one job; a call that found
 * no server, timed out or kept getting 5xx and 429 after its retries does not.
 *
 * @param since       when the API started answering or failing, or null before the first call
 * @param lastFailure why the last call failed, while failing
 */
public record ApiStatus(boolean answering, Instant since, String lastFailure) {

    public static final ApiStatus NOT_ASKED_YET = new ApiStatus(true, null, null);
}

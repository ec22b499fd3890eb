package dev.jobharvester.provider;

import java.time.Instant;

/**
 * Which listed jobs discovery takes.
 *
 * @param status       a state in the platform's spelling to ask the list for, or null for any
 * @param createdAfter only jobs created after this, or null for any
 */
public record DiscoveryFilter(String status, Instant createdAfter) {
}

package dev.jobharvester.provider;

import java.net.URI;

/**
 * One output file of a job as the platform lists it.
 *
 * @param path     the path relative to the job's output folder, as the platform names it
 * @param location where to GET the bytes (usually a presigned storage URL)
 * @param size     the size in bytes the platform promises, or -1 when it does not say
 */
public record OutputFile(String path, URI location, long size) {
}

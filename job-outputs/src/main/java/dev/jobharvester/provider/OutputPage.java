package dev.jobharvester.provider;

import dev.jobharvester.common.OutputFile;
import java.util.List;

/**
 * One page of a job's outputs.
 *
 * @param next        the cursor of the next page, or null on the last
 * @param unavailable files the platform lists on this page but offers no bytes for
 */
public record OutputPage(List<OutputFile> files, String next, List<Unavailable> unavailable) {

    /** A listed file without bytes to fetch, and why (Chutes: the job never uploaded it). */
    public record Unavailable(String sourcePath, String reason) {
    }

    public OutputPage(List<OutputFile> files, String next) {
        this(files, next, List.of());
    }

    public static OutputPage last(List<OutputFile> files) {
        return new OutputPage(files, null);
    }
}

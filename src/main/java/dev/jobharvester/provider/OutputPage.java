package dev.jobharvester.provider;

import dev.jobharvester.common.OutputFile;
import java.util.List;

/**
 * One page of a job's outputs.
 *
 * @param next the cursor of the next page, or null on the last
 */
public record OutputPage(List<OutputFile> files, String next) {

    public static OutputPage last(List<OutputFile> files) {
        return new OutputPage(files, null);
    }
}

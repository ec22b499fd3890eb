package dev.jobharvester.sim;

import java.util.List;

/** A job the simulator serves: its id, how its state evolves, and its output files. */
public record SimJob(String id, JobScript script, List<SimFile> files) {

    public static SimJob of(String id, JobScript script, SimFile... files) {
        return new SimJob(id, script, List.of(files));
    }

    public SimFile file(String path) {
        return files.stream().filter(f -> f.path().equals(path)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(id + " has no file " + path));
    }
}

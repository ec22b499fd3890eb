package dev.jobharvester.sim;

import java.time.Instant;
import java.util.List;

/** A job the simulator serves: its id, how its state evolves, its output files, and when it was created. */
public record SimJob(String id, JobScript script, List<SimFile> files, Instant createdAt) {

    public static SimJob of(String id, JobScript script, SimFile... files) {
        return new SimJob(id, script, List.of(files), Instant.now());
    }

    public static SimJob of(String id, JobScript script, List<SimFile> files) {
        return new SimJob(id, script, files, Instant.now());
    }

    public SimJob createdAt(Instant when) {
        return new SimJob(id, script, files, when);
    }

    public SimFile file(String path) {
        return files.stream().filter(f -> f.path().equals(path)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(id + " has no file " + path));
    }
}

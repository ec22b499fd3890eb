package dev.jobharvester.sim;

import java.util.ArrayList;
import java.util.List;

/** The jobs the benchmark harvests, generated as they are served, so even 2 GiB costs no disk. */
public final class BenchJobs {

    private BenchJobs() {
    }

    /** TensorPool jobs {@code bench-small-1..copies}, each with {@code count} files of {@code bytes}, same contents. */
    public static void small(Simulator simulator, int copies, int count, long bytes) {
        List<SimFile> files = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            files.add(new SimFile(String.format("f-%06d.bin", i), bytes, i));
        }
        for (int copy = 1; copy <= copies; copy++) {
            simulator.addJob(TensorPoolApi.NAME, SimJob.of("bench-small-" + copy, JobScript.always("completed"), files));
        }
    }

    /** TensorPool jobs {@code bench-large-1..copies}, one file of {@code bytes} each. */
    public static void large(Simulator simulator, int copies, long bytes) {
        for (int copy = 1; copy <= copies; copy++) {
            simulator.addJob(TensorPoolApi.NAME, SimJob.of("bench-large-" + copy, JobScript.always("completed"),
                    new SimFile("large.bin", bytes, 7)));
        }
    }

    /** A TensorPool job {@code bench-capped-1..copies}: one file whose every connection carries at most {@code rate} B/s. */
    public static void capped(Simulator simulator, int copies, long bytes, long rate) {
        for (int copy = 1; copy <= copies; copy++) {
            simulator.addJob(TensorPoolApi.NAME, SimJob.of("bench-capped-" + copy, JobScript.always("completed"),
                    new SimFile("capped.bin", bytes, 11).throttle(rate)));
        }
    }

    /** An Archetype AI job {@code bench-listing-<count>} with {@code count} outputs of 1 KiB, listed page by page. */
    public static void listing(Simulator simulator, int count) {
        List<SimFile> files = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            // Archetype paths are port/[input/]name.
            files.add(new SimFile(String.format("results/out-%07d.json", i), 1024, i));
        }
        simulator.addJob(ArchetypeApi.NAME, SimJob.of("bench-listing-" + count, JobScript.always("COMPLETED"), files));
    }
}

package dev.jobharvester.component;

import dev.jobharvester.download.Progress;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * How far a job's harvest is. For the progress line of a many-file job: files and bytes in the sink of those listed in
 * the current pass over its pages. For the harvested line at its end: what this run sent (earlier runs' files are in
 * the manifest, not in this run's rate).
 */
final class JobProgress {

    private final LongAdder filesListed = new LongAdder();
    /** Bytes of the listed files whose size the platform gives. */
    private final LongAdder bytesListed = new LongAdder();
    /** Listed files in the sink: recorded before this pass, or sent in it. */
    private final LongAdder filesIn = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder filesThisRun = new LongAdder();
    private final LongAdder bytesThisRun = new LongAdder();
    private volatile boolean listingComplete;
    private final AtomicLong lastToldNanos = new AtomicLong(System.nanoTime());

    /** A pass over the job's pages begins: they are counted again; the first progress line is an interval away. */
    void newPass() {
        if (filesThisRun.sum() == 0) {
            lastToldNanos.set(System.nanoTime());
        }
        filesListed.reset();
        bytesListed.reset();
        filesIn.reset();
        bytesIn.reset();
        listingComplete = false;
    }

    void listed(long size, boolean alreadyIn) {
        filesListed.increment();
        long known = Math.max(0, size);
        bytesListed.add(known);
        if (alreadyIn) {
            filesIn.increment();
            bytesIn.add(known);
        }
    }

    void listingComplete() {
        listingComplete = true;
    }

    void delivered(long bytes) {
        filesIn.increment();
        bytesIn.add(bytes);
        filesThisRun.increment();
        bytesThisRun.add(bytes);
    }

    long filesThisRun() {
        return filesThisRun.sum();
    }

    long bytesThisRun() {
        return bytesThisRun.sum();
    }

    /** Whether a progress line is due: one per interval at most, across the job's lanes. */
    boolean due(long intervalNanos) {
        long last = lastToldNanos.get();
        long now = System.nanoTime();
        return intervalNanos > 0 && now - last >= intervalNanos && lastToldNanos.compareAndSet(last, now);
    }

    /** {@code 5,000 of 20,000 files, 1.2 GiB of 4.8 GiB (25%)}; "listed so far" while pages are still to come. */
    String describe() {
        long bytes = bytesListed.sum();
        String of = listingComplete ? "" : " listed so far";
        String done = String.format(Locale.ROOT, "%,d of %,d files%s, %s", filesIn.sum(), filesListed.sum(), of,
                bytes > 0 ? Progress.bytes(bytesIn.sum()) + " of " + Progress.bytes(bytes) + of : Progress.bytes(bytesIn.sum()));
        return listingComplete && bytes > 0 ? done + " (" + Math.min(100, bytesIn.sum() * 100 / bytes) + "%)" : done;
    }
}

package dev.jobharvester.sink;

import dev.jobharvester.sink.DirectoryWriter.Staged;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Commits staged files on a thread of its own, all that have come in since its last commit together: while it syncs
 * one group the next gathers, so the more files arrive, the fewer syncs each costs. Each file's callback hears its
 * outcome (null: in place and durable) on a second thread, in order, so that the exchanges' completions (the ledger's
 * records among them) run while the next group syncs. Stopping commits what is queued first.
 */
final class Committer implements Runnable {

    private record Entry(Staged file, Consumer<IOException> done) {
    }

    /** Queued by {@link #stop()} to wake the thread at once (a timed wait made every stop take up to 100 ms). */
    private static final Entry WAKE_UP = new Entry(null, null);

    private final DirectoryWriter writer;
    private final Executor completions;
    private final BlockingQueue<Entry> queue = new LinkedBlockingQueue<>();
    private volatile boolean stopping;

    /** @param completions runs the callbacks, one at a time, in order */
    Committer(DirectoryWriter writer, Executor completions) {
        this.writer = writer;
        this.completions = completions;
    }

    void submit(Staged file, Consumer<IOException> done) {
        queue.add(new Entry(file, done));
        if (stopping) {
            // Raced with stop(): whatever run() left in the queue is failed here, never left waiting.
            failLeftovers();
        }
    }

    /** Lets the thread finish: what is queued is still committed. */
    void stop() {
        stopping = true;
        queue.add(WAKE_UP);
    }

    @Override
    public void run() {
        try {
            while (!stopping || !queue.isEmpty()) {
                List<Entry> group = new ArrayList<>();
                group.add(queue.take());
                queue.drainTo(group);
                group.removeIf(entry -> entry == WAKE_UP);
                if (!group.isEmpty()) {
                    commit(group);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            failLeftovers();
        }
    }

    private void commit(List<Entry> group) {
        Map<Staged, IOException> failed = writer.commit(group.stream().map(Entry::file).toList());
        Runnable complete = () -> group.forEach(entry -> entry.done().accept(failed.get(entry.file())));
        try {
            completions.execute(complete);
        } catch (RejectedExecutionException stopped) {
            complete.run();
        }
    }

    private void failLeftovers() {
        for (Entry left = queue.poll(); left != null; left = queue.poll()) {
            if (left == WAKE_UP) {
                continue;
            }
            writer.abandon(left.file());
            left.done().accept(new IOException("the sink stopped before " + left.file().target() + " was committed"));
        }
    }
}

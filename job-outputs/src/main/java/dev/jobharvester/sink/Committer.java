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
import java.util.concurrent.TimeUnit;
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
    }

    @Override
    public void run() {
        try {
            while (!stopping || !queue.isEmpty()) {
                Entry first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                List<Entry> group = new ArrayList<>();
                group.add(first);
                queue.drainTo(group);
                commit(group);
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
            writer.abandon(left.file());
            left.done().accept(new IOException("the sink stopped before " + left.file().target() + " was committed"));
        }
    }
}

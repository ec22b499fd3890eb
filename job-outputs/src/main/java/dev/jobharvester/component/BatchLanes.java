package dev.jobharvester.component;

import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;

/**
 * Sends a batch through the route, {@code lanes} exchanges side by side. Each lane takes the next file itself when
 * its last is done: no hand-over per file between threads. The batch is done when every exchange taken is: the caller
 * checks the ledger next. What a shutdown or a pause kept from being taken is never started (the next poll takes it);
 * a made exchange left over, the manifest, is failed so that it cleans up.
 */
final class BatchLanes {

    /**
     * Files per lane a sink may hold between taking their bytes and completing (committing) them. Each one held keeps
     * its exchange alive across young collections, which then promote it: warm daemons taking turns on jobs of 10,000
     * files of 64 KiB over 16 lanes had three or four full collections a job at 32 against one at 16, 0.39-0.61 s of
     * GC pauses a job against 0.19-0.23 s, and took 2.9-3.8 s against 2.6-3.1 s (at 8: 0.15-0.22 s and 2.6-3.3 s).
     */
    private static final int UNFINISHED_PER_LANE = 16;

    private final int lanes;
    /** Runs the lanes; null when there is one lane (the polling thread runs it). */
    private final ExecutorService threads;

    BatchLanes(int lanes, ExecutorService threads) {
        this.lanes = lanes;
        this.threads = threads;
    }

    /**
     * @param taking  whether a lane may take its next exchange
     * @param pending told how many exchanges are left after the one taken
     * @param send    sends an exchange into the route and runs the callback once the route is done with it
     * @return how many exchanges the batch held
     */
    int process(Queue<Object> exchanges, BooleanSupplier taking, IntConsumer pending,
            BiConsumer<Exchange, Runnable> send) {
        int total = exchanges.size();
        // A sink that completes exchanges later (durable-file commits many files at once) frees the lane to fetch its
        // next file meanwhile; this bounds how many such files may wait for their commit.
        int unfinishedBound = lanes * UNFINISHED_PER_LANE;
        Semaphore unfinished = new Semaphore(unfinishedBound);
        Runnable lane = () -> {
            while (taking.getAsBoolean()) {
                Object next;
                int index;
                synchronized (exchanges) {
                    index = total - exchanges.size();
                    next = exchanges.poll();
                }
                if (next == null) {
                    return;
                }
                pending.accept(total - index - 1);
                Exchange exchange = next instanceof Supplier<?> later ? (Exchange) later.get() : (Exchange) next;
                exchange.setProperty(ExchangePropertyKey.BATCH_INDEX, index);
                exchange.setProperty(ExchangePropertyKey.BATCH_SIZE, total);
                exchange.setProperty(ExchangePropertyKey.BATCH_COMPLETE, index == total - 1);
                unfinished.acquireUninterruptibly();
                send.accept(exchange, unfinished::release);
            }
        };
        int running = threads == null ? 1 : Math.min(lanes, total);
        if (running <= 1) {
            lane.run();
        } else {
            runSideBySide(lane, running);
        }
        // So must every exchange they sent: the sink completes some later.
        unfinished.acquireUninterruptibly(unfinishedBound);
        for (Object left = exchanges.poll(); left != null; left = exchanges.poll()) {
            if (left instanceof Exchange exchange) {
                exchange.setException(new IllegalStateException("the route stopped before it was sent"));
                exchange.getExchangeExtension().handoverCompletions().forEach(s -> s.onFailure(exchange));
            }
        }
        return total;
    }

    private void runSideBySide(Runnable lane, int running) {
        Semaphore finished = new Semaphore(0);
        for (int i = 0; i < running; i++) {
            try {
                threads.execute(() -> {
                    try {
                        lane.run();
                    } finally {
                        finished.release();
                    }
                });
            } catch (RejectedExecutionException stopping) {
                finished.release();
            }
        }
        // Lanes still sending must finish before the caller looks at the ledger, also when this thread is interrupted.
        finished.acquireUninterruptibly(running);
    }
}

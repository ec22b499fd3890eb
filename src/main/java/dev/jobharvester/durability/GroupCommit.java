package dev.jobharvester.durability;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit: callers that each need what they wrote made durable (a journal's lines) share one fsync where their
 * requests overlap. A caller asks only after its own write is done; whoever forces next covers
 * every request made before it started, so the callers queued behind it return without forcing again.
 */
public final class GroupCommit {

    /** An fsync, or any other call that makes what was written before it durable. */
    @FunctionalInterface
    public interface Force {
        void force() throws IOException;
    }

    private final AtomicLong requested = new AtomicLong();
    private final ReentrantLock forcing = new ReentrantLock();
    /** The requests the last completed force covers; read and written under {@link #forcing}. */
    private long covered;

    /** Returns once everything written before this call is durable, by this caller's force or another's. */
    public void commit(Force force) throws IOException {
        long ticket = requested.incrementAndGet();
        forcing.lock();
        try {
            if (covered >= ticket) {
                return;
            }
            long upTo = requested.get();
            force.force();
            covered = upTo;
        } finally {
            forcing.unlock();
        }
    }
}

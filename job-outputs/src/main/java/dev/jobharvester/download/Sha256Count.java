package dev.jobharvester.download;

import dev.jobharvester.common.Sha256;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The byte count and SHA-256 of bytes as they pass. The first {@link #INLINE_BYTES} are hashed on the reading thread;
 * past them, the bytes are hashed on a second thread while the reader goes on, since SHA-256 costs as much CPU as
 * receiving and writing the bytes together and would otherwise halve a large file's throughput. Bytes are copied for
 * that thread, unless their reader lends them: it leaves them as they are until they are hashed, and saves the copy.
 */
final class Sha256Count {

    static final int INLINE_BYTES = 1 << 20;
    static final int CHUNK_BYTES = 256 * 1024;
    /** Chunks copied but not hashed yet, per transfer: bounds the memory a fast reader can run ahead with. */
    static final int CHUNKS_IN_FLIGHT = 16;
    /**
     * Chunks queued before the hashing thread is woken. It hashes faster than bytes arrive, so woken for every chunk it
     * would sleep and be woken again for each, at a cost to the reading thread. Less than {@link #CHUNKS_IN_FLIGHT}, so a
     * reader waiting for a free chunk always has a hashing task under way.
     */
    static final int CHUNKS_PER_WAKE = 8;
    private final MessageDigest digest;
    private final Executor hashing;
    /** Read by JMX and metrics while the transfer runs. */
    private volatile long count;
    private String hex;
    private Background background;

    /** @param hashing runs the hashing of a large transfer beside its reading */
    Sha256Count(Executor hashing) {
        this.hashing = hashing;
        digest = Sha256.newDigest();
    }

    void update(byte[] bytes, int offset, int length) {
        if (background == null && count + length <= INLINE_BYTES) {
            digest.update(bytes, offset, length);
        } else {
            background().add(bytes, offset, length);
        }
        count += length;
    }

    /** As {@link #update}, but the bytes are hashed where they lie: the caller leaves them until {@link #hashed}. */
    void updateInPlace(byte[] bytes, int offset, int length) {
        if (background == null && count + length <= INLINE_BYTES) {
            digest.update(bytes, offset, length);
        } else {
            background().lend(bytes, offset, length);
        }
        count += length;
    }

    long count() {
        return count;
    }

    /** How many of the bytes passed are in the digest: lent bytes before this count may be changed. */
    long hashed() {
        return background == null ? count : background.hashed;
    }

    /** Waits until the first {@code upTo} bytes passed are in the digest. */
    void awaitHashed(long upTo) throws InterruptedException {
        if (background != null) {
            background.await(upTo);
        }
    }

    /** The hex digest, once every byte passed is hashed; no more bytes may be added afterwards. */
    String hex() {
        if (hex == null) {
            boolean interrupted = false;
            while (true) {
                try {
                    awaitHashed(count);
                    break;
                } catch (InterruptedException e) {
                    // the hashing task ends on its own, soon: wait for it
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            hex = HexFormat.of().formatHex(digest.digest());
        }
        return hex;
    }

    private Background background() {
        if (background == null) {
            background = new Background(count);
        }
        return background;
    }

    /**
     * Chunks hashed in order by one task at a time on the shared pool; no thread waits on a transfer that stops
     * half-way, so an abandoned one costs nothing but its chunks.
     */
    private final class Background {
        private final Semaphore free = new Semaphore(CHUNKS_IN_FLIGHT);
        private final Queue<Chunk> queued = new ConcurrentLinkedQueue<>();
        private final Queue<byte[]> spare = new ConcurrentLinkedQueue<>();
        /** Whether a hashing task is queued on the pool or running. */
        private final AtomicBoolean scheduled = new AtomicBoolean();
        /** Bytes in the digest, counted from the first; written by the hashing task only. */
        private volatile long hashed;
        /** What a waiting reader needs hashed: hashing goes on for it however few chunks are queued. */
        private volatile long awaited;
        private byte[] filling;
        private int filled;
        /** Lent bytes not queued yet: a reader's contiguous reads into the same array are queued as one chunk. */
        private byte[] lent;
        private int lentFrom;
        private int lentTo;

        Background(long hashed) {
            this.hashed = hashed;
        }

        void add(byte[] bytes, int offset, int length) {
            queueLent();
            while (length > 0) {
                if (filling == null) {
                    free.acquireUninterruptibly();
                    byte[] reused = spare.poll();
                    filling = reused != null ? reused : new byte[CHUNK_BYTES];
                    filled = 0;
                }
                int n = Math.min(length, CHUNK_BYTES - filled);
                System.arraycopy(bytes, offset, filling, filled, n);
                filled += n;
                offset += n;
                length -= n;
                if (filled == CHUNK_BYTES) {
                    queueFilling();
                }
            }
        }

        void lend(byte[] bytes, int offset, int length) {
            if (filling != null) {
                queueFilling();
            }
            if (lent != null && (lent != bytes || lentTo != offset)) {
                queueLent();
            }
            if (lent == null) {
                lent = bytes;
                lentFrom = offset;
                lentTo = offset;
            }
            lentTo += length;
            if (lentTo - lentFrom >= CHUNK_BYTES) {
                queueLent();
            }
        }

        /** Waits until the first {@code upTo} bytes are in the digest. */
        void await(long upTo) throws InterruptedException {
            if (filling != null) {
                queueFilling();
            }
            queueLent();
            if (hashed >= upTo) {
                return;
            }
            awaited = upTo;
            try {
                schedule();
                synchronized (this) {
                    while (hashed < upTo) {
                        wait();
                    }
                }
            } finally {
                awaited = 0;
            }
        }

        private void queueFilling() {
            queue(new Chunk(filling, 0, filled, true));
            filling = null;
        }

        private void queueLent() {
            if (lent != null) {
                queue(new Chunk(lent, lentFrom, lentTo - lentFrom, false));
                lent = null;
            }
        }

        private void queue(Chunk chunk) {
            queued.add(chunk);
            // At most CHUNKS_IN_FLIGHT copies and the lender's chunks: counting them is cheap.
            if (queued.size() >= CHUNKS_PER_WAKE) {
                schedule();
            }
        }

        private void schedule() {
            if (scheduled.compareAndSet(false, true)) {
                hashing.execute(this::hashQueued);
            }
        }

        private void hashQueued() {
            do {
                for (Chunk chunk = queued.poll(); chunk != null; chunk = queued.poll()) {
                    digest.update(chunk.bytes(), chunk.offset(), chunk.length());
                    hashed += chunk.length();
                    if (chunk.copied()) {
                        spare.add(chunk.bytes());
                        free.release();
                    }
                    if (awaited != 0) {
                        synchronized (this) {
                            notifyAll();
                        }
                    }
                }
                scheduled.set(false);
                // A chunk queued after the last poll but before the flag fell did not schedule a task: go on for it.
            } while (due() && scheduled.compareAndSet(false, true));
        }

        private boolean due() {
            int waiting = queued.size();
            return waiting >= CHUNKS_PER_WAKE || waiting > 0 && awaited > hashed;
        }
    }

    /** Bytes to hash: a copy, reused once hashed, or lent by the reader. */
    private record Chunk(byte[] bytes, int offset, int length, boolean copied) {
    }
}

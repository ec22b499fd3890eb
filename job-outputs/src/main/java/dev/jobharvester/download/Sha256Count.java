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
 * past them, copies of the bytes are hashed on a second thread while the reader goes on, since SHA-256 costs as much
 * CPU as receiving and writing the bytes together and would otherwise halve a large file's throughput.
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
            if (background == null) {
                background = new Background();
            }
            background.add(bytes, offset, length);
        }
        count += length;
    }

    long count() {
        return count;
    }

    /** The hex digest, once every byte passed is hashed; no more bytes may be added afterwards. */
    String hex() {
        if (hex == null) {
            if (background != null) {
                background.drain();
            }
            hex = HexFormat.of().formatHex(digest.digest());
        }
        return hex;
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
        private volatile boolean draining;
        private byte[] filling;
        private int filled;

        void add(byte[] bytes, int offset, int length) {
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
                    submit();
                }
            }
        }

        /** Waits until every byte passed is in the digest. */
        void drain() {
            if (filling != null) {
                submit();
            }
            draining = true;
            schedule();
            free.acquireUninterruptibly(CHUNKS_IN_FLIGHT);
            free.release(CHUNKS_IN_FLIGHT);
        }

        private void submit() {
            queued.add(new Chunk(filling, filled));
            filling = null;
            // At most CHUNKS_IN_FLIGHT chunks: counting them is cheap.
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
                    digest.update(chunk.bytes(), 0, chunk.length());
                    spare.add(chunk.bytes());
                    free.release();
                }
                scheduled.set(false);
                // A chunk queued after the last poll but before the flag fell did not schedule a task: go on for it.
            } while (due() && scheduled.compareAndSet(false, true));
        }

        private boolean due() {
            int waiting = queued.size();
            return waiting >= CHUNKS_PER_WAKE || waiting > 0 && draining;
        }
    }

    private record Chunk(byte[] bytes, int length) {
    }
}

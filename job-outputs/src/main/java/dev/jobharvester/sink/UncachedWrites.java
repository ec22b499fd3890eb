package dev.jobharvester.sink;

import com.sun.nio.file.ExtendedOpenOption;
import dev.jobharvester.download.VerifiedBody;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;

/**
 * Writes the rest of a large file around the page cache ({@code O_DIRECT}), on other threads while the next chunk
 * fills: each write has reached the disk when it returns, so the commit's sync has only the file's metadata and the
 * disk's own cache left to flush, no page of it needs writing back or reclaiming, and nothing else's cache is pushed
 * out. Writing and syncing 2 GiB here took 0.2 s of kernel CPU this way against 0.6 s through the cache, and 2.4-4.4 s
 * through the cache a few seconds after a large deletion or a dropped cache: a virtual machine whose balloon hands
 * freed memory to its host (free page reporting) pays to get it back. Up to seven chunks wait their turn while the
 * next fills (a one-shot 2 GiB harvest took 6.5-8.2 s on a virtual disk with one, 5.5-6.4 s with seven), and they
 * are written one after the other, in the file's order: the file's length never runs ahead of its written bytes, which
 * a resume in the same boot takes as they are ({@link KeptPart}). What comes before the first whole
 * block and after the last goes through the cache. The chunks are shared: {@link #FILES_AT_ONCE} files go around the
 * cache at a time, and another meanwhile goes on through it, so many large files at once cannot take more memory.
 * <p>
 * A download is read straight into the chunks and hashed where its bytes lie ({@link VerifiedBody#readInPlace}): a
 * chunk is filled again only once it is written and hashed. Each write copies its chunk into the file's one buffer
 * aligned for {@code O_DIRECT}, on the writing thread: that copy is off the reading thread, which would otherwise copy
 * every byte twice into memory out of the cache (once for the hashing, once for the write), the costliest part of a
 * large file after SHA-256 itself.
 */
final class UncachedWrites implements Closeable {

    private static final int CHUNK_BYTES = 1 << 20;
    /** Below half of G1's smallest region: a chunk's arrays are never humongous, whatever the heap. */
    private static final int SEGMENT_BYTES = 256 << 10;
    private static final int SEGMENTS = CHUNK_BYTES / SEGMENT_BYTES;
    /** A file's chunks: all but the filling one can be in flight. */
    private static final int CHUNKS_PER_FILE = 8;
    static final int FILES_AT_ONCE = 2;
    /** Aligned for any block size up to it: the buffers serve every file system. */
    private static final int ALIGNMENT = 64 << 10;
    /** Taken by each file going around the cache; all free again when none does (package-private: tests check it). */
    static final Semaphore FILES = new Semaphore(FILES_AT_ONCE);
    /** Chunks of files done, for the next: at most FILES_AT_ONCE * CHUNKS_PER_FILE (package-private: a test checks). */
    static final Queue<byte[][]> FREE_CHUNKS = new ConcurrentLinkedQueue<>();
    /** The aligned buffers of files done, for the next: at most FILES_AT_ONCE. */
    private static final Queue<ByteBuffer> FREE_ALIGNED = new ConcurrentLinkedQueue<>();
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final FileChannel direct;
    private final FileChannel cached;
    private final int block;
    private final ExecutorService writes;
    private final Queue<byte[][]> chunks = new ArrayDeque<>();
    /** Where each write copies its chunk to write it around the cache: one write of the file runs at a time. */
    private final ByteBuffer aligned;
    /** Writes in flight, in the file's order, each with where it ends. */
    private final Queue<Write> writing = new ArrayDeque<>();
    private CompletableFuture<Void> lastWrite = DONE;
    /** Null while a full one is handed over and the next not yet taken: a chunk is never both filling and writing. */
    private byte[][] filling;
    private int filled;
    /** Where the filling chunk goes in the file. */
    private long position;
    /** How far the file's bytes are written, none in flight before it: what a sync of the file makes durable. */
    private long done;
    private boolean closed;
    /** Bytes still to go through the cache before the first whole block. */
    private int lead;
    /** The body read straight into the chunks, or null. */
    private VerifiedBody lender;

    /** Package-private for a test that makes a write short; {@link #open} is the way in (it takes a slot of FILES). */
    UncachedWrites(FileChannel direct, FileChannel cached, int block, long position, ExecutorService writes) {
        this.direct = direct;
        this.cached = cached;
        this.block = block;
        this.lead = (int) ((block - position % block) % block);
        this.position = position + lead;
        this.done = position;
        this.writes = writes;
        for (int i = 0; i < CHUNKS_PER_FILE; i++) {
            byte[][] chunk = FREE_CHUNKS.poll();
            chunks.add(chunk != null ? chunk : new byte[SEGMENTS][SEGMENT_BYTES]);
        }
        ByteBuffer free = FREE_ALIGNED.poll();
        this.aligned = free != null ? free
                : ByteBuffer.allocateDirect(CHUNK_BYTES + ALIGNMENT).alignedSlice(ALIGNMENT).slice(0, CHUNK_BYTES);
        this.filling = chunks.remove();
    }

    /** A write in flight, and how many bytes of the lending body its chunk's bytes reach (0: none lent). */
    private record Write(Future<Void> future, byte[][] chunk, long end, long lentUpTo) {
    }

    /**
     * Takes over writing the temp file from {@code cached}'s position on, which stays the file's length when done;
     * null where the file system refuses {@code O_DIRECT} (tmpfs before Linux 6.6, some FUSE and network file
     * systems) or while {@link #FILES_AT_ONCE} others go around it: the caller goes on through the cache.
     */
    static UncachedWrites open(Path temp, FileChannel cached, ExecutorService writes) {
        if (!FILES.tryAcquire()) {
            return null;
        }
        UncachedWrites uncached = null;
        try {
            int block = Math.toIntExact(Files.getFileStore(temp).getBlockSize());
            if (block > 0 && ALIGNMENT % block == 0) {
                FileChannel direct = FileChannel.open(temp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS,
                        ExtendedOpenOption.DIRECT);
                uncached = new UncachedWrites(direct, cached, block, cached.position(), writes);
            }
        } catch (IOException | UnsupportedOperationException | ArithmeticException e) {
            // through the cache
        } finally {
            if (uncached == null) {
                FILES.release();
            }
        }
        return uncached;
    }

    void write(byte[] bytes, int offset, int length) throws IOException {
        if (lead > 0) {
            int n = Math.min(lead, length);
            writeLead(bytes, offset, n);
            offset += n;
            length -= n;
        }
        while (length > 0) {
            int at = filled % SEGMENT_BYTES;
            int n = Math.min(length, SEGMENT_BYTES - at);
            System.arraycopy(bytes, offset, filling[filled / SEGMENT_BYTES], at, n);
            offset += n;
            length -= n;
            filled(n);
        }
    }

    /**
     * Reads the body's next bytes straight into the filling chunk, lent to it for hashing: as many as one read gives.
     * Answers how many, or -1 at the body's end.
     */
    int read(VerifiedBody body) throws IOException {
        byte[] segment = filling[filled / SEGMENT_BYTES];
        if (lead > 0) {
            // Bytes before the first whole block go through the cache: read as any others, hashed from a copy.
            int n = body.read(segment, 0, Math.min(lead, SEGMENT_BYTES));
            if (n > 0) {
                writeLead(segment, 0, n);
            }
            return n;
        }
        int at = filled % SEGMENT_BYTES;
        int n = body.readInPlace(segment, at, SEGMENT_BYTES - at);
        if (n > 0) {
            lender = body;
            filled(n);
        }
        return n;
    }

    private void writeLead(byte[] bytes, int offset, int n) throws IOException {
        ByteBuffer first = ByteBuffer.wrap(bytes, offset, n);
        while (first.hasRemaining()) {
            cached.write(first);
        }
        lead -= n;
        done = position - lead;
    }

    /** Counts bytes put in the filling chunk; a full one is handed to the pool to write, and the next taken. */
    private void filled(int n) throws IOException {
        filled += n;
        if (filled < CHUNK_BYTES) {
            return;
        }
        byte[][] full = filling;
        long at = position;
        lastWrite = lastWrite.thenRunAsync(() -> {
            try {
                writeFully(stage(full, CHUNK_BYTES), at);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, this::execute);
        writing.add(new Write(lastWrite, full, at + CHUNK_BYTES, lent()));
        filling = null;
        position += CHUNK_BYTES;
        while (chunks.isEmpty() || !writing.isEmpty() && writing.peek().future().isDone()
                && hashed(writing.peek())) {
            awaitFirstWrite();
        }
        filling = chunks.remove();
        filled = 0;
    }

    /** How far the file's bytes are written, none in flight before it: what a sync of the file makes durable. */
    long done() {
        return done;
    }

    /**
     * Writes what is left: whole blocks around the cache, the rest through it; the cached channel ends at the end.
     * Waits for the hashing of the lent bytes too, so that the chunks pass on to the next file.
     */
    void finish() throws IOException {
        while (!writing.isEmpty()) {
            awaitFirstWrite();
        }
        if (lender != null) {
            lender.awaitHashed(lent());
        }
        if (lead > 0) {
            return; // the file ended before its first whole block, all of it through the cache
        }
        ByteBuffer last = stage(filling, filled); // no write in flight: the aligned buffer is free
        int whole = filled / block * block;
        if (whole > 0) {
            writeFully(last.duplicate().limit(whole), position);
        }
        long tailAt = position + whole;
        ByteBuffer tail = last.position(whole);
        while (tail.hasRemaining()) {
            cached.write(tail, tailAt + (tail.position() - whole));
        }
        done = tailAt + (filled - whole);
        cached.position(done);
    }

    /**
     * Waits for the writes in flight, whatever their outcome, so that nothing writes to the file once this returns,
     * and hands the chunks on. Interrupted, it stops waiting: the chunks of writes not seen to end are left to the
     * garbage collector, since a write may still be reading them; so are chunks whose lent bytes a body given up has
     * not hashed yet.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        boolean interrupted = false;
        try {
            for (Write write : writing) {
                try {
                    write.future().get();
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                } catch (ExecutionException e) {
                    // reported by write() or finish(), or of no interest to a file given up
                }
                chunks.add(write.chunk());
            }
            if (!interrupted) {
                FREE_ALIGNED.add(aligned);
            }
            writing.clear();
            if (filling != null) {
                chunks.add(filling);
            }
            if (lender == null || lender.hashed() >= lent()) {
                FREE_CHUNKS.addAll(chunks);
            }
            chunks.clear();
            FILES.release();
        } finally {
            direct.close();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Waits for the oldest write in flight and for the hashing of its bytes: its chunk is free again, and the file is
     * written up to its end.
     */
    private void awaitFirstWrite() throws IOException {
        Write first = writing.peek();
        try {
            first.future().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing around the page cache");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof UncheckedIOException unchecked ? unchecked.getCause()
                    : e.getCause();
            throw cause instanceof IOException io ? io : new IOException(cause);
        }
        if (lender != null) {
            lender.awaitHashed(first.lentUpTo());
        }
        writing.remove();
        chunks.add(first.chunk());
        done = first.end();
    }

    /** How many of the lending body's bytes must be hashed before the chunks filled so far are reused (0: none). */
    private long lent() {
        return lender == null ? 0 : lender.bytesRead();
    }

    private boolean hashed(Write write) {
        return lender == null || lender.hashed() >= write.lentUpTo();
    }

    /** The first {@code length} bytes of a chunk in the aligned buffer, ready to write. */
    private ByteBuffer stage(byte[][] chunk, int length) {
        aligned.clear();
        for (int i = 0; length > 0; i++) {
            int n = Math.min(length, SEGMENT_BYTES);
            aligned.put(chunk[i], 0, n);
            length -= n;
        }
        return aligned.flip();
    }

    /** Runs a write on the pool, or right here once the pool refuses (stopping): a queued write never stays unrun. */
    private void execute(Runnable write) {
        try {
            writes.execute(write);
        } catch (RejectedExecutionException e) {
            write.run();
        }
    }

    private void writeFully(ByteBuffer bytes, long at) throws IOException {
        long offset = at - bytes.position();
        while (bytes.hasRemaining()) {
            // Any write may be short, and O_DIRECT takes whole blocks only: a rest that does not start at one goes
            // through the cache (the commit's sync covers it) rather than fail the file.
            FileChannel channel = bytes.position() % block == 0 ? direct : cached;
            channel.write(bytes, offset + bytes.position());
        }
    }
}

package dev.jobharvester.download;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The rest of a file read in order while its next byte ranges are fetched side by side, for storage that caps what
 * one connection carries. At most {@code connections} ranges of {@code rangeSize} bytes are fetched ahead of the
 * reader, each held in memory until read, so memory stays at (connections + 1) × rangeSize whatever the file's size;
 * the buffers are used again from range to range.
 * Hand-written: the HTTP clients of the field download segments to a file, none streams them in order to a sink.
 */
final class RangePipeline extends InputStream {

    /** Fetches bytes {@code from} to {@code to} (inclusive) whole into the start of {@code into}, or fails. */
    @FunctionalInterface
    interface RangeFetcher {
        void fetch(long from, long to, byte[] into) throws IOException;
    }

    /** A fetched range: its bytes are the first {@code length} of a buffer that goes back to the pool once read. */
    private record Range(byte[] buffer, int length) {
    }

    private final InputStream first;
    private final RangeFetcher fetcher;
    private final long end;
    private final int rangeSize;
    private final int connections;
    private final Deque<Future<Range>> ahead = new ArrayDeque<>();
    /** Range buffers read to the end, used again: a new one per range would churn a small heap through the GC. */
    private final Deque<byte[]> spare = new ArrayDeque<>();
    /** Runs the range fetches; shared, so closing only cancels this pipeline's. */
    private final ExecutorService workers;
    private long nextRange;
    private Range current = new Range(new byte[0], 0);
    private int position;
    private boolean firstDone;

    /**
     * @param first   the open body of the first range, read as it arrives
     * @param from    the first byte after the first range
     * @param end     the file's size
     * @param workers runs the range fetches, at most {@code connections} at a time for this pipeline
     */
    RangePipeline(InputStream first, long from, long end, int rangeSize, int connections, RangeFetcher fetcher,
            ExecutorService workers) {
        this.workers = workers;
        this.first = first;
        this.nextRange = from;
        this.end = end;
        this.rangeSize = rangeSize;
        this.connections = connections;
        this.fetcher = fetcher;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        fillAhead();
        if (!firstDone) {
            int n = first.read(buffer, offset, length);
            if (n >= 0) {
                return n;
            }
            firstDone = true;
        }
        while (position == current.length()) {
            Future<Range> next = ahead.poll();
            if (next == null) {
                return -1;
            }
            if (current.length() > 0) {
                spare.push(current.buffer());
            }
            current = await(next);
            position = 0;
            fillAhead();
        }
        int n = Math.min(length, current.length() - position);
        System.arraycopy(current.buffer(), position, buffer, offset, n);
        position += n;
        return n;
    }

    private void fillAhead() {
        while (ahead.size() < connections && nextRange < end) {
            long from = nextRange;
            long to = Math.min(end, from + rangeSize) - 1;
            byte[] into = spare.isEmpty() ? new byte[rangeSize] : spare.pop();
            ahead.add(workers.submit(() -> {
                fetcher.fetch(from, to, into);
                return new Range(into, (int) (to - from + 1));
            }));
            nextRange = to + 1;
        }
    }

    private static Range await(Future<Range> range) throws IOException {
        try {
            return range.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a byte range", e);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    /** Stops the fetches still running; the first range's connection is the caller's to cut. */
    @Override
    public void close() {
        ahead.forEach(range -> range.cancel(true));
        ahead.clear();
    }
}

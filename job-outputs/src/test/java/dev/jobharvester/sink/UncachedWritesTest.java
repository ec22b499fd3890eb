package dev.jobharvester.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.nio.file.ExtendedOpenOption;
import dev.jobharvester.common.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large files written at once, more of them than go around the page cache at a time, in rounds so that the shared
 * chunks pass from file to file: every file whole on the disk, and every slot free again after. And writes queued on
 * a pool that runs the newest first: the file never holds a hole below its length. And a write the kernel cuts short,
 * or fails.
 */
class UncachedWritesTest {

    private static final int FILES = 2 * UncachedWrites.FILES_AT_ONCE + 1;
    private static final int ROUNDS = 3;

    @TempDir
    Path dir;

    @Test
    void manyLargeFilesAtOnceAreEachWholeAndTheirChunksPassOn() throws Exception {
        ExecutorService syncs = Executors.newFixedThreadPool(16);
        ExecutorService downloads = Executors.newFixedThreadPool(FILES);
        try {
            DirectoryWriter writer = new DirectoryWriter(dir, ".inprogress-", true, syncs, 0);
            Map<Path, byte[]> bodies = new ConcurrentHashMap<>();
            for (int round = 0; round < ROUNDS; round++) {
                CountDownLatch allStarted = new CountDownLatch(FILES);
                List<Future<DirectoryWriter.Staged>> staging = new ArrayList<>();
                for (int i = 0; i < FILES; i++) {
                    // Whole chunks and an odd tail; sizes differ so that files end while others are in flight.
                    byte[] body = new byte[(9 + i) * (1 << 20) + 4099 * i];
                    new Random(round * 100L + i).nextBytes(body);
                    String name = "round-" + round + "/part-" + i + ".bin";
                    bodies.put(dir.resolve(name), body);
                    staging.add(downloads.submit(() -> {
                        allStarted.countDown();
                        allStarted.await();
                        return writer.stage(name, new ListedBody(body, -1, body.length, Sha256.hex(body), syncs));
                    }));
                }
                List<DirectoryWriter.Staged> staged = new ArrayList<>();
                for (Future<DirectoryWriter.Staged> file : staging) {
                    staged.add(file.get());
                }
                assertThat(writer.commit(staged)).as("files failed in round %d", round).isEmpty();
            }
            writer.close();

            for (Map.Entry<Path, byte[]> file : bodies.entrySet()) {
                assertThat(Files.readAllBytes(file.getKey())).as(file.getKey() + " read back")
                        .isEqualTo(file.getValue());
            }
            assertThat(UncachedWrites.FILES.availablePermits()).as("files around the cache at once, free again")
                    .isEqualTo(UncachedWrites.FILES_AT_ONCE);
        } finally {
            downloads.shutdownNow();
            syncs.shutdownNow();
        }
    }

    /**
     * A resume in the same boot keeps a killed download's temp file as long as it is ({@link KeptPart}), so the file's
     * length must never run ahead of its written bytes, whatever order a busy pool runs the queued writes in.
     */
    @Test
    void theFileNeverHoldsAHoleBelowItsLengthWhenThePoolRunsTheNewestWriteFirst() throws Exception {
        NewestFirst pool = new NewestFirst();
        byte[] body = new byte[5 * (1 << 20) + 100];
        new Random(7).nextBytes(body);
        Path temp = dir.resolve(".inprogress-part.bin");
        try (FileChannel cached = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            UncachedWrites uncached = UncachedWrites.open(temp, cached, pool);
            assertThat(uncached).as("this file system takes O_DIRECT").isNotNull();
            try (uncached) {
                for (int at = 0; at < body.length; at += 16_384) {
                    uncached.write(body, at, Math.min(16_384, body.length - at));
                }
                assertThat(pool.queued).as("writes handed to the pool").isNotEmpty();
                try {
                    while (!pool.queued.isEmpty()) {
                        pool.queued.pop().run();
                        byte[] onDisk = Files.readAllBytes(temp);
                        assertThat(Arrays.mismatch(onDisk, Arrays.copyOf(body, onDisk.length)))
                                .as("first byte unlike the body's in the file's %d after a write", onDisk.length)
                                .isEqualTo(-1);
                    }
                } finally {
                    pool.runAll(); // close() waits for every write handed out
                }
                uncached.finish();
            }
        }
        assertThat(Files.readAllBytes(temp)).isEqualTo(body);
    }

    /**
     * A download is read straight into the chunks and hashed there: a chunk is filled again only once its bytes are
     * hashed, or the file's digest would be taken of the next bytes. With the hashing held, the reader stops when
     * every chunk waits for it; let go, the file and its digest are whole.
     */
    @Test
    void aChunkIsFilledAgainOnlyOnceItsBytesAreHashed() throws Exception {
        byte[] body = new byte[12 * (1 << 20) + 100];
        new Random(13).nextBytes(body);
        HeldHashing hashing = new HeldHashing();
        ListedBody download = new ListedBody(body, -1, 13, Sha256.hex(body), hashing);
        ExecutorService pool = Executors.newCachedThreadPool();
        Path temp = dir.resolve(".inprogress-lent.bin");
        try (FileChannel cached = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            UncachedWrites uncached = UncachedWrites.open(temp, cached, pool);
            assertThat(uncached).as("this file system takes O_DIRECT").isNotNull();
            Future<?> reading = pool.submit(() -> {
                try (uncached) {
                    while (uncached.read(download) >= 0) {
                        // on to the end
                    }
                    uncached.finish();
                }
                return null;
            });
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(hashing::isWaitedOn);
            assertThat(download.bytesRead()).as("bytes read while none of the lent ones is hashed")
                    .isLessThan(10L << 20);
            hashing.letGo(pool);
            reading.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(download.sha256()).isEqualTo(Sha256.hex(body));
        assertThat(Files.readAllBytes(temp)).isEqualTo(body);
    }

    /**
     * Hashing tasks kept until let go; waited on once a task is held and the reader waits for the hashing, not merely
     * for a write of its chunks (which a reader that does not wait for the hashing also does, before it has read all).
     */
    private static final class HeldHashing implements Executor {
        private final List<Runnable> held = new ArrayList<>();
        private Executor running;
        private volatile Thread reader;

        @Override
        public synchronized void execute(Runnable task) {
            if (running != null) {
                running.execute(task);
            } else {
                reader = Thread.currentThread();
                held.add(task);
            }
        }

        synchronized boolean isWaitedOn() {
            return !held.isEmpty() && reader.getState() == Thread.State.WAITING
                    && Arrays.stream(reader.getStackTrace())
                            .anyMatch(frame -> frame.getMethodName().equals("awaitHashed"));
        }

        synchronized void letGo(Executor to) {
            running = to;
            held.forEach(to::execute);
            held.clear();
        }
    }

    /**
     * Any write may be short (a disk filling up, a signal). O_DIRECT refuses a rest that does not start at a block,
     * which would fail the file: the rest goes through the cache instead.
     */
    @Test
    void aWriteCutShortLeavesTheRestOfItsChunkToTheCache() throws Exception {
        byte[] body = new byte[3 * (1 << 20) + 100];
        new Random(11).nextBytes(body);
        Path temp = dir.resolve(".inprogress-short.bin");
        writeWith(temp, body, (cached, src, position) -> {
            ByteBuffer part = src.duplicate();
            part.limit(part.position() + 371_776);
            int n = cached.write(part, position); // through the cache: O_DIRECT could not write so few
            src.position(src.position() + n);
            return n;
        });
        assertThat(Files.readAllBytes(temp)).isEqualTo(body);
    }

    /**
     * A write that fails (a full or failing disk) fails the file, and its chunks go back once each: a chunk freed twice
     * is later filled by two files at once, each writing the other's bytes. Seen under CI: a generated world of
     * {@link DirectoryWriterPropertiesTest} failed with a chunk's buffer at byte 371,776, not at a block: most likely
     * a test of a failing disk in the same JVM (the chunks are the JVM's) had freed a chunk twice.
     */
    @Test
    void aFailedWriteFailsTheFileAndFreesEachChunkOnce() throws Exception {
        byte[] body = new byte[3 * (1 << 20) + 100];
        Path temp = dir.resolve(".inprogress-failed.bin");
        assertThatThrownBy(() -> writeWith(temp, body, (cached, src, position) -> {
            throw new IOException("Input/output error");
        })).isInstanceOf(IOException.class).hasMessage("Input/output error");
        Set<byte[][]> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        distinct.addAll(UncachedWrites.FREE_CHUNKS);
        assertThat(distinct).as("chunks free, each once").hasSameSizeAs(UncachedWrites.FREE_CHUNKS);
        assertThat(UncachedWrites.FILES.availablePermits()).isEqualTo(UncachedWrites.FILES_AT_ONCE);
    }

    /** Writes a body around the cache, in a download's pieces, the first write to the disk done by {@code first}. */
    private static void writeWith(Path temp, byte[] body, FirstWrite first) throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (FileChannel cached = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                FileChannel direct = FileChannel.open(temp, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
            int block = Math.toIntExact(Files.getFileStore(temp).getBlockSize());
            UncachedWrites.FILES.acquire(); // as open() does; close() hands the slot back
            try (UncachedWrites uncached = new UncachedWrites(new FirstWriteGoesWrong(direct, cached, first), cached,
                    block, 0, pool)) {
                for (int at = 0; at < body.length; at += 16_384) {
                    uncached.write(body, at, Math.min(16_384, body.length - at));
                }
                uncached.finish();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** What the kernel does with a write: here, the first write of a file. */
    private interface FirstWrite {
        int write(FileChannel cached, ByteBuffer src, long position) throws IOException;
    }

    /** An O_DIRECT channel whose first write goes as a test says, as a kernel's may: short, or failed. */
    private static final class FirstWriteGoesWrong extends FileChannel {
        private final FileChannel direct;
        private final FileChannel cached;
        private FirstWrite first;

        FirstWriteGoesWrong(FileChannel direct, FileChannel cached, FirstWrite first) {
            this.direct = direct;
            this.cached = cached;
            this.first = first;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (first == null) {
                return direct.write(src, position);
            }
            FirstWrite now = first;
            first = null;
            return now.write(cached, src, position);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            direct.close();
        }

        @Override
        public int read(ByteBuffer dst) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int write(ByteBuffer src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long position() {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileChannel position(long newPosition) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long size() throws IOException {
            return direct.size();
        }

        @Override
        public FileChannel truncate(long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void force(boolean metaData) throws IOException {
            direct.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(ByteBuffer dst, long position) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }
    }

    /** Holds what it is given until the test runs it, newest first. */
    private static final class NewestFirst extends AbstractExecutorService {
        final Deque<Runnable> queued = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            queued.push(task);
        }

        void runAll() {
            while (!queued.isEmpty()) {
                queued.pop().run();
            }
        }

        @Override
        public void shutdown() {
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }

    /** A body read in pieces of a network read's size, as a download's is. */
}

package dev.jobharvester.sink;

import static dev.jobharvester.sink.DirectoryWriter.fail;

import dev.jobharvester.durability.FileSystemSync;
import dev.jobharvester.sink.DirectoryWriter.Staged;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * How a commit's files get their data durable before their renames: one syncfs of their file system for a group
 * staged under the same watch ({@link FileSystemSync}), else an fdatasync of each, side by side, so that the file
 * system writes them in few journal commits.
 */
final class DataSync {

    private final Path root;
    private final ExecutorService syncs;
    /** The file system's sync that files staged from now on are committed with; null without syncfs. */
    private FileSystemSync watch;
    private boolean closed;

    /** @param syncs runs the fdatasyncs side by side */
    DataSync(Path root, ExecutorService syncs) {
        this.root = root;
        this.syncs = syncs;
    }

    /**
     * The watch a file about to be staged goes under: a new one when the last failed (its failure may have hit this
     * file's pages); null where syncfs is not to be had.
     */
    synchronized FileSystemSync watch() {
        if (closed) {
            return null;
        }
        if (!FileSystemSync.available() || watch != null && watch.failure() == null) {
            return watch;
        }
        if (watch != null) {
            watch.close();
        }
        try {
            watch = FileSystemSync.open(root);
        } catch (IOException e) {
            watch = null; // each file gets its own fdatasync
        }
        return watch;
    }

    /**
     * Lets the file system go: files staged under the watch fail from now on, and files staged after this get an
     * fdatasync each.
     */
    synchronized void close() {
        closed = true;
        if (watch != null) {
            watch.close();
        }
    }

    /** Makes the staged files' data durable; a file that fails is failed in {@code failed}, its temp file gone. */
    void sync(List<Staged> staged, Map<Staged, IOException> failed) {
        List<Staged> files = new ArrayList<>();
        for (Staged file : staged) {
            IOException lost = file.watch() == null ? null : file.watch().failure();
            if (lost != null) {
                // A syncfs that failed wrote this file's dirty pages back too, and may have lost them: an fdatasync
                // now could answer success for them.
                fail(file, new IOException("a writeback on the file system of " + file.temp() + " failed while it was"
                        + " written: " + lost.getMessage(), lost), failed);
            } else {
                files.add(file);
            }
        }
        if (files.size() > 1 && sharesWatch(files)) {
            syncTogether(files, failed);
            return;
        }
        if (files.size() == 1) {
            try {
                forceData(files.get(0).channel());
            } catch (IOException e) {
                fail(files.get(0), e, failed);
            }
            return;
        }
        List<Future<Void>> forces = new ArrayList<>();
        for (Staged file : files) {
            forces.add(syncs.submit((Callable<Void>) () -> {
                forceData(file.channel());
                return null;
            }));
        }
        for (int i = 0; i < files.size(); i++) {
            try {
                forces.get(i).get();
            } catch (ExecutionException e) {
                fail(files.get(i), e.getCause() instanceof IOException io ? io : new IOException(e.getCause()), failed);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(files.get(i), new InterruptedIOException("interrupted while syncing " + files.get(i).temp()),
                        failed);
            }
        }
    }

    /** Whether the files were all staged under one watch of the file system they are on, so one syncfs serves them. */
    private static boolean sharesWatch(List<Staged> files) {
        FileSystemSync watch = files.get(0).watch();
        if (watch == null) {
            return false;
        }
        Set<Path> folders = new HashSet<>();
        try {
            for (Staged file : files) {
                Path folder = file.temp().getParent();
                if (file.watch() != watch || folders.add(folder) && !watch.device().equals(
                        Files.getAttribute(folder, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
                    return false;
                }
            }
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * One syncfs for the whole group. When it fails, every file of the group fails: the kernel reports a failed
     * writeback once, to that call, without saying whose pages it lost, and an fdatasync afterwards may answer success
     * for a file whose inode was lost (ext4 without a journal does).
     */
    private static void syncTogether(List<Staged> files, Map<Staged, IOException> failed) {
        try {
            files.get(0).watch().sync();
        } catch (IOException e) {
            for (Staged file : files) {
                fail(file, new IOException("syncing " + file.temp() + " failed: " + e.getMessage(), e), failed);
            }
            return;
        }
        for (Staged file : files) {
            try {
                file.channel().close();
            } catch (IOException e) {
                // Its data is durable: a close after a successful sync has nothing left to report.
            }
        }
    }

    private static void forceData(FileChannel channel) throws IOException {
        try (channel) {
            channel.force(false);
        }
    }
}

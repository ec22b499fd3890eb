package dev.jobharvester.download;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.zip.ZipInputStream;

/**
 * One entry of a ZIP archive that is being downloaded, read by the route like a file of its own. The archive's
 * CRC check fails a corrupt entry at its end; closing the entry leaves the archive open for the next one.
 */
public final class ZipEntryBody extends VerifiedBody {

    private final ZipInputStream archive;
    private final String label;
    private boolean opened;

    public ZipEntryBody(ZipInputStream archive, String label, Executor hashing) {
        super(hashing);
        this.archive = archive;
        this.label = label;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (isComplete()) {
            return -1;
        }
        opened = true;
        int n;
        try {
            n = archive.read(buffer, offset, length);
        } catch (IOException e) {
            throw failed(e);
        }
        if (n < 0) {
            markComplete();
            return -1;
        }
        passed(buffer, offset, n);
        return n;
    }

    @Override
    public void close() {
        // The archive goes on with its next entry.
    }

    @Override
    public boolean isOpened() {
        return opened;
    }

    @Override
    public String toString() {
        return "ZipEntryBody[" + label + "]";
    }
}

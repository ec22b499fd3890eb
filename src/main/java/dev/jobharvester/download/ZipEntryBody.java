package dev.jobharvester.download;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.ZipInputStream;

/**
 * One entry of a ZIP archive that is being downloaded, read by the route like a file of its own. The archive's
 * CRC check fails a corrupt entry at its end; closing the entry leaves the archive open for the next one.
 */
public final class ZipEntryBody extends InputStream implements VerifiedBody {

    private final ZipInputStream archive;
    private final Sha256Count digest = new Sha256Count();
    private boolean opened;
    private boolean complete;

    public ZipEntryBody(ZipInputStream archive) {
        this.archive = archive;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (complete) {
            return -1;
        }
        opened = true;
        int n = archive.read(buffer, offset, length);
        if (n < 0) {
            complete = true;
            return -1;
        }
        digest.update(buffer, offset, n);
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
    public boolean isComplete() {
        return complete;
    }

    @Override
    public long bytesRead() {
        return digest.count();
    }

    @Override
    public String sha256() {
        if (!complete) {
            throw new IllegalStateException("the entry has not been read to the end");
        }
        return digest.hex();
    }
}

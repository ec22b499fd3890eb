package dev.jobharvester.download;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.zip.CRC32;
import java.util.zip.ZipException;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;

/**
 * One entry of a ZIP archive that is being downloaded, read by the route like a file of its own, within the
 * archive's limits: an entry that holds more than it declares, expands too many times its compressed size or past
 * the archive's total is stopped there with an {@link ArchiveLimitException} (the sink gets no byte beyond). Its CRC
 * is checked at its end (the streaming reader does not). Closing the entry leaves the archive open for the next one.
 */
public final class ZipEntryBody extends VerifiedBody {

    private final ZipArchiveInputStream archive;
    private final ZipArchiveEntry entry;
    private final ArchiveLimits.Budget budget;
    private final String label;
    /** The most bytes the entry may give: what it declares, or what the archive has left, whichever is less. */
    private final long cap;
    private final CRC32 crc = new CRC32();
    private boolean opened;

    public ZipEntryBody(ZipArchiveInputStream archive, ZipArchiveEntry entry, ArchiveLimits.Budget budget,
            String label, Executor hashing) {
        super(hashing);
        this.archive = archive;
        this.entry = entry;
        this.budget = budget;
        this.label = label;
        this.cap = entry.getSize() >= 0 ? Math.min(entry.getSize(), budget.left()) : budget.left();
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (isComplete()) {
            return -1;
        }
        opened = true;
        // One byte past the cap is asked for, to see whether there is one.
        int asked = (int) Math.min(length, Math.max(1, cap - bytesRead() + 1));
        int n;
        try {
            n = archive.read(buffer, offset, asked);
        } catch (IOException e) {
            throw failed(e);
        }
        if (n < 0) {
            checkCrc();
            markComplete();
            return -1;
        }
        long total = bytesRead() + n;
        if (total > cap) {
            throw failed(new ArchiveLimitException(cap == entry.getSize()
                    ? "the entry declares " + ArchiveLimits.bytes(cap) + " but holds more; stopped there"
                    : "the archive expands to more than " + ArchiveLimits.bytes(budget.limits().maxBytes())
                            + " (maxArchiveBytes); stopped there"));
        }
        int ratio = budget.limits().maxRatio();
        if (ratio > 0 && total > ArchiveLimits.RATIO_FREE && total > ratio * archive.getCompressedCount()) {
            throw failed(new ArchiveLimitException("the entry expands more than " + ratio + " times its compressed"
                    + " size (maxEntryRatio); stopped at " + ArchiveLimits.bytes(bytesRead())));
        }
        crc.update(buffer, offset, n);
        budget.expanded(n);
        passed(buffer, offset, n);
        return n;
    }

    private void checkCrc() throws IOException {
        if (entry.getCrc() >= 0 && entry.getCrc() != crc.getValue()) {
            throw failed(new ZipException(String.format("the entry's CRC is %08x, its bytes' %08x: it is corrupt",
                    entry.getCrc(), crc.getValue())));
        }
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

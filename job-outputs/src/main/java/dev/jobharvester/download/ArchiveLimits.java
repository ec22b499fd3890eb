package dev.jobharvester.download;

import java.util.Locale;

/**
 * What one archive may expand to: bytes in all, entries, and bytes per compressed byte of an entry; and, per archive
 * being unpacked, what it used so far ({@link Budget}). A limit reached refuses the entry, never the whole archive.
 *
 * @param maxBytes   bytes all entries of one archive may expand to
 * @param maxEntries entries one archive may hold
 * @param maxRatio   how many times its compressed size an entry may expand to, past its first {@link #RATIO_FREE}
 *                   bytes; 0: no limit
 */
public record ArchiveLimits(long maxBytes, int maxEntries, int maxRatio) {

    /** Bytes of an entry not held to the ratio: a small file of zeros or text compresses far better than a bomb's. */
    public static final long RATIO_FREE = 1 << 20;

    public Budget budget() {
        return new Budget(this);
    }

    /** What one archive being unpacked used of its limits. */
    public static final class Budget {

        private final ArchiveLimits limits;
        private long expanded;
        private int entries;

        private Budget(ArchiveLimits limits) {
            this.limits = limits;
        }

        ArchiveLimits limits() {
            return limits;
        }

        /** Counts the next entry in; answers why it is refused before a byte of it is read, or null. */
        public String admit() {
            entries++;
            if (entries > limits.maxEntries) {
                return "the archive holds more than " + limits.maxEntries + " entries (maxArchiveEntries)";
            }
            if (expanded >= limits.maxBytes) {
                return "the archive expands to more than " + bytes(limits.maxBytes) + " (maxArchiveBytes)";
            }
            return null;
        }

        long left() {
            return limits.maxBytes - expanded;
        }

        void expanded(long bytes) {
            expanded += bytes;
        }
    }

    static String bytes(long count) {
        return String.format(Locale.ROOT, "%,d bytes", count);
    }
}

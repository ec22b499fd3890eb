package dev.jobharvester.ledger;

import java.time.Instant;

/**
 * A job's delivered files (kind {@link DeliveredFile.Kind#FILE}) in sum, as its manifest opens with them.
 *
 * @param first when the first was delivered, null when none was
 * @param last  when the last was delivered, null when none was
 */
public record FileTotals(long count, long bytes, Instant first, Instant last) {

    public static final FileTotals NONE = new FileTotals(0, 0, null, null);

    /** These totals and one more file. */
    public FileTotals plus(long size, Instant deliveredAt) {
        Instant earliest = first == null || deliveredAt.isBefore(first) ? deliveredAt : first;
        Instant latest = last == null || deliveredAt.isAfter(last) ? deliveredAt : last;
        return new FileTotals(count + 1, bytes + size, earliest, latest);
    }
}

package dev.jobharvester.download;

import java.util.Locale;

/** Byte counts and rates as an operator reads them in a log line. */
public final class Progress {

    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Progress() {
    }

    /** {@code 1.2 GiB of 2.0 GiB (60%) at 85.3 MiB/s}; without the total when it is not known (-1). */
    public static String of(long bytes, long total, long elapsedNanos) {
        String done = total > 0 ? bytes(bytes) + " of " + bytes(total) + " (" + bytes * 100 / total + "%)" : bytes(bytes);
        return done + " at " + rate(bytes, elapsedNanos);
    }

    public static String bytes(long bytes) {
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }

    public static String rate(long bytes, long elapsedNanos) {
        return bytes(elapsedNanos <= 0 ? 0 : (long) (bytes * 1e9 / elapsedNanos)) + "/s";
    }
}

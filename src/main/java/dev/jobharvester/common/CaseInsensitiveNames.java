package dev.jobharvester.common;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The names given out in one listing (a page, an archive), kept apart as a case-insensitive sink would see them:
 * the first of {@code Report.txt} and {@code report.txt} keeps its name, the next gets a distinct stable one. A
 * listing comes in the same order every time, so a restart maps the same way.
 */
public final class CaseInsensitiveNames {

    private final Set<String> taken = new HashSet<>();

    /** The path to use for a file named {@code path} (from {@code sourcePath} as the platform listed it). */
    public String claim(String path, String sourcePath) {
        String chosen = taken.add(path.toLowerCase(Locale.ROOT)) ? path : SinkNames.distinct(path, sourcePath);
        if (!chosen.equals(path)) {
            taken.add(chosen.toLowerCase(Locale.ROOT));
        }
        return chosen;
    }
}

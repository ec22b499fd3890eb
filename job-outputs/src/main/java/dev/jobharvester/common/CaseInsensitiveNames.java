package dev.jobharvester.common;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The names given out in one listing (a page, an archive), kept apart as a case-insensitive sink would see them, and
 * kept from clashing with folders: the first of {@code Report.txt} and {@code report.txt} keeps its name, the next
 * gets a distinct stable one; a file named as a folder that other paths need ({@code clash} beside
 * {@code clash/inner.txt}) gets a distinct name, and when the file came first (an archive streamed entry by entry) the
 * folder does. A listing comes in the same order every time, so a restart maps the same way.
 */
public final class CaseInsensitiveNames {

    /**
     * Files given out, lower-cased. The manifest's name, and the folders the ledger keeps its own records under, are
     * taken from the start: no listed file or folder gets them.
     */
    private final Set<String> taken = new HashSet<>(Set.of(SinkNames.MANIFEST, SinkNames.REFUSED,
            SinkNames.UNAVAILABLE, SinkNames.PARKED));
    /** Folders the paths given out or reserved pass through, lower-cased. */
    private final Set<String> folders = new HashSet<>();
    /** Folders renamed because a file took their name first, lower-cased, to their new names. */
    private final Map<String, String> movedFolders = new HashMap<>();

    /**
     * Reserves the folders a whole listing needs before its names are claimed, so that a file named as one of them
     * gets the distinct name whichever comes first.
     */
    public CaseInsensitiveNames reserveFoldersOf(Collection<String> paths) {
        paths.forEach(this::addFolders);
        return this;
    }

    /** The path to use for a file named {@code path} (from {@code sourcePath} as the platform listed it). */
    public String claim(String path, String sourcePath) {
        String placed = outsideFiles(path);
        String lower = placed.toLowerCase(Locale.ROOT);
        String chosen = taken.contains(lower) || folders.contains(lower) ? unused(placed, sourcePath) : placed;
        taken.add(chosen.toLowerCase(Locale.ROOT));
        addFolders(chosen);
        return chosen;
    }

    /** The path with each folder that a file already took moved to a distinct name, the same for every path. */
    private String outsideFiles(String path) {
        String[] segments = path.split("/");
        StringBuilder placed = new StringBuilder();
        for (int i = 0; i < segments.length - 1; i++) {
            String folder = placed + segments[i];
            String lower = folder.toLowerCase(Locale.ROOT);
            String moved = movedFolders.get(lower);
            if (moved == null && taken.contains(lower)) {
                moved = unused(folder, folder);
                movedFolders.put(lower, moved);
            }
            placed.setLength(0);
            placed.append(moved == null ? folder : moved).append('/');
        }
        return placed + segments[segments.length - 1];
    }

    /**
     * A distinct stable name for {@code path}, neither a file's nor a folder's yet: the first hash of {@code seed}
     * almost always, another when a case twin or a moved folder took it.
     */
    private String unused(String path, String seed) {
        String candidate = SinkNames.distinct(path, seed);
        for (int n = 2; taken.contains(candidate.toLowerCase(Locale.ROOT))
                || folders.contains(candidate.toLowerCase(Locale.ROOT)); n++) {
            candidate = SinkNames.distinct(path, seed + "#" + n);
        }
        return candidate;
    }

    private void addFolders(String path) {
        for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
            folders.add(path.substring(0, slash).toLowerCase(Locale.ROOT));
        }
    }
}

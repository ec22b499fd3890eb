package dev.jobharvester.common;

import java.nio.charset.StandardCharsets;

/**
 * The names files get in the sink, {@code provider/jobId/path}. They are also the ledger's keys, so they must be
 * stable and must never leave the job's folder.
 */
public final class SinkNames {

    public static final String MANIFEST = "_manifest.json";
    /** Folders of the ledger's own records: of files refused or not uploaded (no sink path), and parked manifests. */
    public static final String REFUSED = "_refused";
    public static final String UNAVAILABLE = "_unavailable";
    public static final String PARKED = "_parked";
    /** The longest name most filesystems take for one path segment, in bytes. */
    static final int MAX_SEGMENT_BYTES = 255;

    private SinkNames() {
    }

    /** {@code provider/jobId}, with the job id made safe as one path segment. */
    public static String jobKey(String provider, String jobId) {
        return provider + "/" + segment(jobId);
    }

    /** The job key of a file key, or null when the key has no file part. */
    public static String jobKeyOf(String fileKey) {
        int first = fileKey.indexOf('/');
        int second = first < 0 ? -1 : fileKey.indexOf('/', first + 1);
        return second < 0 ? null : fileKey.substring(0, second);
    }

    /**
     * The relative path normalised to forward slashes without empty or {@code .} segments.
     *
     * @throws IllegalArgumentException when the path is empty, climbs out with {@code ..}, holds control characters,
     *                                  or is the manifest's own name
     */
    public static String relativePath(String path) {
        StringBuilder out = new StringBuilder();
        for (String part : path.replace('\\', '/').split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new IllegalArgumentException("path '" + printable(path) + "' climbs out of the job folder");
            }
            if (part.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("path '" + printable(path) + "' holds control characters");
            }
            out.append(out.length() == 0 ? "" : "/").append(fitted(part));
        }
        if (out.length() == 0) {
            throw new IllegalArgumentException("path '" + printable(path) + "' names no file");
        }
        if (out.toString().equals(MANIFEST)) {
            throw new IllegalArgumentException("path '" + MANIFEST + "' is reserved for the harvester's manifest");
        }
        return out.toString();
    }

    /**
     * A segment that is too long for a filesystem, shortened to a stable name that keeps its extension: its start,
     * {@code ~}, and eight hex digits of its SHA-256.
     */
    static String fitted(String segment) {
        byte[] bytes = segment.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_SEGMENT_BYTES) {
            return segment;
        }
        int dot = segment.lastIndexOf('.');
        String extension = dot > 0 && segment.length() - dot <= 16 ? segment.substring(dot) : "";
        String hash = hash8(segment);
        StringBuilder start = new StringBuilder();
        int budget = 200 - extension.getBytes(StandardCharsets.UTF_8).length;
        for (int i = 0; i < segment.length(); i = segment.offsetByCodePoints(i, 1)) {
            String codePoint = new String(Character.toChars(segment.codePointAt(i)));
            budget -= codePoint.getBytes(StandardCharsets.UTF_8).length;
            if (budget < 0) {
                break;
            }
            start.append(codePoint);
        }
        return start + "~" + hash + extension;
    }

    /**
     * The path with {@code ~} and eight hex digits of the SHA-256 of {@code sourcePath} before the last segment's
     * extension: a stable, distinct name for a file whose name another already took in a case-insensitive sink.
     */
    static String distinct(String path, String sourcePath) {
        int slash = path.lastIndexOf('/');
        int dot = path.lastIndexOf('.');
        int at = dot > slash + 1 ? dot : path.length();
        return path.substring(0, at) + "~" + hash8(sourcePath) + path.substring(at);
    }

    private static String hash8(String text) {
        return Sha256.hex(text).substring(0, 8);
    }

    /** Percent-encodes everything but letters, digits, {@code -}, {@code _} and inner dots, so the id stays one segment. */
    public static String segment(String id) {
        StringBuilder out = new StringBuilder();
        byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean plain = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-'
                    || b == '_' || (b == '.' && i > 0);
            out.append(plain ? String.valueOf((char) b) : String.format("%%%02X", b));
        }
        return out.toString();
    }

    /** The text with control characters shown as {@code ?}, for messages. */
    public static String printable(String text) {
        return text.replaceAll("\\p{Cntrl}", "?");
    }
}

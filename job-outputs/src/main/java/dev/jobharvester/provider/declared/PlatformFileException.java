package dev.jobharvester.provider.declared;

/** A mistake in a platform file: the file, the line, the key, and what was expected there. */
public final class PlatformFileException extends IllegalArgumentException {

    PlatformFileException(String location, int line, String key, String problem) {
        super(location + (line > 0 ? " line " + line : "") + (key == null || key.isEmpty() ? "" : ", " + key) + ": "
                + problem);
    }
}

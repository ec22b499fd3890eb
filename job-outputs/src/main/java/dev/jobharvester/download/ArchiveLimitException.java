package dev.jobharvester.download;

import java.io.IOException;

/** An archive entry stopped at one of the archive's limits: it is refused, and the rest of the archive goes on. */
public final class ArchiveLimitException extends IOException {

    ArchiveLimitException(String message) {
        super(message);
    }
}

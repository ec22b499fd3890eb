package dev.jobharvester.durability;

import java.io.IOException;
import java.nio.file.Path;

/** A symbolic link where the harvester was to write: it did not make the link, so it never writes through it. */
public class LinkRefusedException extends IOException {

    public LinkRefusedException(Path link) {
        super(link + " is a symbolic link the harvester did not make; nothing is written through it");
    }
}

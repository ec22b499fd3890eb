package dev.jobharvester.sink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;

/**
 * What a temp file kept for a later attempt says about its bytes, in an extended attribute of the file itself, so that
 * it goes wherever the file goes and no name in the tree can clash with it: what storage called the bytes (their ETag
 * or Last-Modified), the boot that wrote them, and how many of them were fdatasync'ed. In the boot that wrote them
 * every byte written is there, since a killed process leaves the page cache behind; after a reboot only the synced
 * ones are trusted. A file without the attribute is not resumed, and neither is any on a file system without user
 * attributes: the next attempt starts over.
 */
final class KeptPart {

    /** Files smaller than this are fetched again whole rather than marked: the mark would cost more than it saves. */
    static final long WORTH_KEEPING = 1 << 20;
    static final String ATTRIBUTE = "job-harvester.kept";
    private static final String BOOT = currentBoot();

    /** The bytes of a kept temp file that a later attempt may keep, and what storage called them. */
    record Held(String validator, long length) {
    }

    private KeptPart() {
    }

    /** Marks a temp file as worth resuming, its first {@code synced} bytes durable; false where that cannot be said. */
    static boolean mark(Path temp, String validator, long synced) {
        return mark(temp, validator, BOOT, synced);
    }

    /** Marks a temp file as written in the given boot. */
    static boolean mark(Path temp, String validator, String boot, long synced) {
        String mark = validator.replace('\n', ' ') + "\n" + boot + "\n" + synced;
        try {
            view(temp).write(ATTRIBUTE, ByteBuffer.wrap(mark.getBytes(StandardCharsets.UTF_8)));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** What a temp file left by an earlier attempt holds that is still good, or null when nothing is. */
    static Held read(Path temp) {
        try {
            if (!Files.isRegularFile(temp, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            UserDefinedFileAttributeView view = view(temp);
            ByteBuffer value = ByteBuffer.allocate(view.size(ATTRIBUTE));
            view.read(ATTRIBUTE, value);
            String[] mark = new String(value.array(), 0, value.position(), StandardCharsets.UTF_8).split("\n");
            long length = Files.size(temp);
            long synced = Long.parseLong(mark[2]);
            long good = !BOOT.isEmpty() && mark[1].equals(BOOT) ? length : synced <= length ? synced : 0;
            return good > 0 ? new Held(mark[0], good) : null;
        } catch (IOException | RuntimeException e) {
            // No mark, a torn one, or none possible here.
            return null;
        }
    }

    /** Takes the mark, if any, off a file about to get its final name. */
    static void clear(Path temp) {
        try {
            view(temp).delete(ATTRIBUTE);
        } catch (IOException | UnsupportedOperationException e) {
            // Unmarked, or unmarkable; a mark left on a delivered file is only a stray attribute nothing reads there.
        }
    }

    private static UserDefinedFileAttributeView view(Path file) {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            throw new UnsupportedOperationException("no user attributes on " + file);
        }
        return view;
    }

    /** This boot's id, which changes at every start of the machine; empty where unknown (every mark is then older). */
    private static String currentBoot() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}

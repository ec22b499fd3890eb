package dev.jobharvester.app;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/**
 * A ZIP made for a test, deflated, each entry's sizes in its local header (as a ZIP written to a file has them), and
 * able to lie: an entry may declare a size other than what it holds, in its local header and the central directory.
 */
final class TestZip {

    private final Map<String, byte[]> entries = new LinkedHashMap<>();
    private final Map<String, Long> declared = new LinkedHashMap<>();

    TestZip entry(String name, byte[] bytes) {
        entries.put(name, bytes);
        return this;
    }

    /** An entry that declares {@code size} bytes but holds {@code bytes}. */
    TestZip lying(String name, byte[] bytes, long size) {
        declared.put(name, size);
        return entry(name, bytes);
    }

    byte[] bytes() throws IOException {
        // A file, so that the sizes go into each local header (written back once known); an in-memory channel grows
        // by copying itself at every write, minutes for a few MiB.
        Path file = Files.createTempFile("test-zip", ".zip");
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(file)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                ZipArchiveEntry header = new ZipArchiveEntry(entry.getKey());
                header.setTime(0);
                header.setMethod(ZipArchiveEntry.DEFLATED);
                zip.putArchiveEntry(header);
                zip.write(entry.getValue());
                zip.closeArchiveEntry();
            }
        }
        byte[] zip = Files.readAllBytes(file);
        Files.delete(file);
        declared.forEach((name, size) -> declare(zip, name, size));
        return zip;
    }

    /** Writes {@code size} as the uncompressed size of every header (local and central) naming the entry. */
    private static void declare(byte[] zip, String name, long size) {
        ByteBuffer buffer = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
        for (int at = 0; at + 46 < zip.length; at++) {
            int signature = buffer.getInt(at);
            int nameAt = signature == 0x04034b50 ? at + 30 : signature == 0x02014b50 ? at + 46 : -1;
            int lengthAt = signature == 0x04034b50 ? at + 26 : at + 28;
            if (nameAt > 0 && buffer.getShort(lengthAt) == wanted.length && nameAt + wanted.length <= zip.length
                    && Arrays.equals(zip, nameAt, nameAt + wanted.length, wanted, 0, wanted.length)) {
                buffer.putInt(signature == 0x04034b50 ? at + 22 : at + 24, (int) size);
            }
        }
    }
}

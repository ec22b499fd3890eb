package dev.jobharvester.sink;

import dev.jobharvester.common.Sha256;
import dev.jobharvester.component.JobOutputsConstants;
import dev.jobharvester.download.DownloadStream;
import dev.jobharvester.download.VerifiedBody;
import dev.jobharvester.durability.Directories;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * Readies a job-outputs exchange for camel-aws2-s3. That producer streams a multipart upload part by part only when
 * it is told the length up front; without it, it reads the whole body into memory. So this step opens the download
 * to learn its length, and spools to disk only a body whose length storage does not give (a chunked answer, a ZIP
 * entry). It puts the file's origin on the object as metadata and sets a content type. A body smaller than one part
 * and than {@link #READ_WHOLE_BELOW} is read first (it goes up in one PUT), so its SHA-256 goes on the object too, as
 * metadata and as the checksum S3 checks ({@link PresetSha256Checksum}); a larger one streams, and its SHA-256, known
 * only after its metadata has been sent, is in the manifest.
 */
public class PrepareS3Upload implements Processor {

    /** The object's metadata key for the hex SHA-256 of a body read before its upload. */
    static final String SHA256_METADATA = "sha256";
    /**
     * A body is read whole only below this, whatever the part size: the memory each file in flight may take. Parts
     * are larger (4 GiB by default): camel-aws2-s3 sends them one after the other, so more parts only cost time.
     */
    static final long READ_WHOLE_BELOW = 16L << 20;
    /** S3's bounds for a part: a part outside them, or a single PUT over the upper one, is refused by the store. */
    static final long MIN_PART_SIZE = 5L << 20;
    static final long MAX_PART_SIZE = 5L << 30;

    private Path spoolDirectory = Path.of("data", "spool");
    private long bufferLimit = READ_WHOLE_BELOW;

    public void setSpoolDirectory(String spoolDirectory) {
        this.spoolDirectory = Path.of(spoolDirectory);
    }

    /**
     * The part size the S3 producer is given: bodies shorter than it and than {@link #READ_WHOLE_BELOW} are read before
     * their upload. Checked here, at start, since the store would refuse only the first file too large or too small.
     */
    public void setPartSize(long partSize) {
        if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
            throw new IllegalArgumentException("the S3 part size (s3.part-size, S3_PART_SIZE) is " + partSize
                    + " bytes; S3 takes parts of " + MIN_PART_SIZE + " (5 MiB) to " + MAX_PART_SIZE + " (5 GiB) bytes");
        }
        this.bufferLimit = Math.min(partSize, READ_WHOLE_BELOW);
    }

    /**
     * The body in one array of its promised length (readAllBytes would gather it in 8 KiB pieces and copy them: three
     * times the bytes allocated, per object); the read past its end is what checks its length and digest.
     */
    private static byte[] readWhole(DownloadStream download, int length) throws IOException {
        byte[] bytes = new byte[length];
        int read = download.readNBytes(bytes, 0, length);
        if (read < length || download.read() != -1) {
            throw new IOException("the download ended at byte " + read + " or went past its " + length + " bytes");
        }
        return bytes;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Message in = exchange.getIn();
        Object body = in.getBody();
        long length;
        String sha256 = null;
        if (body instanceof byte[] bytes) {
            length = bytes.length;
            sha256 = Sha256.hex(bytes);
        } else if (body instanceof File file) {
            // A manifest spooled by the consumer, or a download staged (LocalStaging): the producer uploads a file of
            // known length as it is.
            length = file.length();
        } else if (body instanceof DownloadStream download && download.contentLength() >= 0) {
            length = download.contentLength();
            if (length < bufferLimit) {
                in.setBody(readWhole(download, (int) length));
                sha256 = download.sha256();
            }
        } else {
            length = spool(exchange, in.getMandatoryBody(InputStream.class));
            if (body instanceof VerifiedBody verified && verified.isComplete()) {
                sha256 = verified.sha256();
            }
        }
        in.setHeader(AWS2S3Constants.CONTENT_LENGTH, length);
        String path = in.getHeader(JobOutputsConstants.PATH, String.class);
        String type = in.getHeader(Exchange.CONTENT_TYPE, String.class);
        if (type == null && path != null) {
            type = URLConnection.guessContentTypeFromName(path);
        }
        in.setHeader(AWS2S3Constants.CONTENT_TYPE, type == null ? "application/octet-stream" : type);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("provider", in.getHeader(JobOutputsConstants.PROVIDER, String.class));
        metadata.put("job-id", ascii(in.getHeader(JobOutputsConstants.JOB_ID, String.class)));
        metadata.put("source-path", ascii(in.getHeader(JobOutputsConstants.SOURCE_PATH, path, String.class)));
        if (sha256 != null) {
            metadata.put(SHA256_METADATA, sha256);
        }
        in.setHeader(AWS2S3Constants.METADATA, metadata);
    }

    /** Copies the body to a spool file that goes away with the exchange, and makes the file the body. */
    private long spool(Exchange exchange, InputStream body) throws IOException {
        Path file = Files.createTempFile(Directories.own(spoolDirectory), "upload-", ".spool");
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    // A leftover spool file is only disk space; the next start's spool directory is the same.
                }
            }
        });
        long length;
        try (InputStream in = body) {
            length = Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        exchange.getIn().setBody(file.toFile());
        return length;
    }

    /** S3 user metadata is US-ASCII: anything else is percent-encoded. */
    private static String ascii(String value) {
        if (value == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            out.append(c >= 0x20 && c < 0x7f && c != '%' ? String.valueOf((char) c) : String.format("%%%02X", c));
        }
        return out.toString();
    }
}

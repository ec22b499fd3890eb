package dev.jobharvester.sink;

import dev.jobharvester.common.SinkNames;
import dev.jobharvester.component.JobOutputsConstants;
import dev.jobharvester.download.DownloadStream;
import dev.jobharvester.durability.Directories;
import dev.jobharvester.sink.DirectoryWriter.Staged;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stages a large download on local disk before a sink that cannot take the rest of a file (an S3 object, an SFTP
 * upload), so that the bytes of a transfer that breaks for good, or of a process that is killed, are kept and the next
 * attempt asks storage only for the rest (as on the directory sink: {@link DirectoryWriter}, {@link KeptPart}). The
 * sink then reads the staged file, whose length is known. A staged file goes once its exchange succeeded; what the
 * failed attempts of a job left goes with the job's manifest. Off until a minimum size is set: staging takes local disk
 * as large as the files in flight, and the upload starts once the download is whole.
 */
public class LocalStaging implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(LocalStaging.class);

    private Path directory = Path.of("data", "staging");
    private long minSize = -1;
    private DirectoryWriter writer;

    public void setDirectory(String directory) {
        this.directory = Path.of(directory);
    }

    /** Downloads of at least this many bytes, or of a size not listed, are staged; -1 stages none. */
    public void setMinSize(long minSize) {
        this.minSize = minSize;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Message in = exchange.getIn();
        String name = in.getHeader(Exchange.FILE_NAME, String.class);
        if (minSize < 0 || name == null) {
            return;
        }
        if (JobOutputsConstants.KIND_MANIFEST.equals(in.getHeader(JobOutputsConstants.KIND))) {
            // A job's manifest comes when its every file is settled: parts kept for later attempts are no use now.
            String job = SinkNames.jobKeyOf(name);
            if (job != null) {
                removeTree(writer().resolve(job));
            }
            return;
        }
        Long size = in.getHeader(JobOutputsConstants.SIZE, Long.class);
        if (!(in.getBody() instanceof DownloadStream download) || size != null && size >= 0 && size < minSize) {
            return;
        }
        Staged staged = writer().stage(name, download);
        in.setBody(staged.temp().toFile());
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onComplete(Exchange done) {
                try {
                    Files.deleteIfExists(staged.temp());
                } catch (IOException e) {
                    LOG.warn("cannot delete the staged file {}: {}", staged.temp(), e.getMessage());
                }
            }
        });
    }

    private synchronized DirectoryWriter writer() throws IOException {
        if (writer == null) {
            // Staged bytes need not outlive a power cut: a part kept in another boot than its own is not trusted.
            writer = new DirectoryWriter(Directories.own(directory), ".inprogress-", false, null);
        }
        return writer;
    }

    private static void removeTree(Path folder) throws IOException {
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(folder)) {
            for (Path path : (Iterable<Path>) tree.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        }
    }
}

package dev.jobharvester.sink;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

/** Writes each exchange's body to {@code directory/CamelFileName}, durably and replacing atomically. */
@UriEndpoint(firstVersion = "0.1.0", scheme = "durable-file", title = "Durable File", syntax = "durable-file:directory",
             producerOnly = true, category = { Category.FILE })
public class DurableFileEndpoint extends DefaultEndpoint {

    /** fdatasyncs of one commit side by side: enough for the file system to fold them into few journal commits. */
    private static final int SYNC_THREADS = 16;

    @UriPath(description = "The directory files go under, at their CamelFileName (made if missing).")
    @Metadata(required = true)
    private final String directory;
    @UriParam(defaultValue = "true", description = "Whether a file and its directory are fsync'ed before the file"
            + " counts as delivered; off only for scratch disks.")
    private boolean fsync = true;
    @UriParam(defaultValue = ".inprogress-", description = "The prefix of the hidden temp name a file is written under"
            + " before it is renamed into place.")
    private String tempPrefix = ".inprogress-";
    private ExecutorService syncs;
    private ExecutorService committing;
    private ExecutorService completing;
    private DirectoryWriter writer;
    private Committer committer;

    public DurableFileEndpoint(String uri, DurableFileComponent component, String directory) {
        super(uri, component);
        this.directory = directory;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        if (tempPrefix == null || tempPrefix.isEmpty() || tempPrefix.contains("/")) {
            throw new IllegalArgumentException("durable-file:" + directory + ": tempPrefix must be a non-empty name"
                    + " without '/', not '" + tempPrefix + "'");
        }
        Path root = Path.of(directory);
        Files.createDirectories(root);
        syncs = getCamelContext().getExecutorServiceManager().newFixedThreadPool(this, "durable-file-sync",
                SYNC_THREADS);
        writer = new DirectoryWriter(root, tempPrefix, fsync, syncs);
        completing = getCamelContext().getExecutorServiceManager().newSingleThreadExecutor(this,
                "durable-file-complete");
        committer = new Committer(writer, completing);
        committing = getCamelContext().getExecutorServiceManager().newSingleThreadExecutor(this,
                "durable-file-commit");
        committing.execute(committer);
    }

    @Override
    protected void doStop() throws Exception {
        if (committer != null) {
            committer.stop();
            getCamelContext().getExecutorServiceManager().shutdownGraceful(committing);
            getCamelContext().getExecutorServiceManager().shutdownGraceful(completing);
            committer = null;
        }
        if (writer != null) {
            writer.close();
        }
        if (syncs != null) {
            getCamelContext().getExecutorServiceManager().shutdown(syncs);
            syncs = null;
        }
        super.doStop();
    }

    DirectoryWriter writer() {
        return writer;
    }

    Committer committer() {
        return committer;
    }

    @Override
    public Producer createProducer() {
        return new DurableFileProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException("durable-file is a sink only: read a directory with file:");
    }

    public String getDirectory() {
        return directory;
    }

    public boolean isFsync() {
        return fsync;
    }

    public void setFsync(boolean fsync) {
        this.fsync = fsync;
    }

    public String getTempPrefix() {
        return tempPrefix;
    }

    public void setTempPrefix(String tempPrefix) {
        this.tempPrefix = tempPrefix;
    }
}

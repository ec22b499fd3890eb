package dev.jobharvester.sink;

import dev.jobharvester.common.SinkNames;
import dev.jobharvester.component.JobOutputsConstants;
import dev.jobharvester.sink.DirectoryWriter.Staged;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultAsyncProducer;

/**
 * Writes the body to the file named by {@code CamelFileName}. The calling thread writes the bytes; the exchange
 * completes once the file is committed (durable, with fsync on), on the committer's thread, so the caller is free to
 * fetch its next file meanwhile and many files share each sync.
 */
final class DurableFileProducer extends DefaultAsyncProducer {

    DurableFileProducer(DurableFileEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    public DurableFileEndpoint getEndpoint() {
        return (DurableFileEndpoint) super.getEndpoint();
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Message in = exchange.getIn();
        Staged staged;
        try {
            String name = in.getHeader(Exchange.FILE_NAME, String.class);
            if (name == null) {
                throw new IllegalArgumentException("durable-file: the message has no " + Exchange.FILE_NAME
                        + " header to name its file");
            }
            if (JobOutputsConstants.KIND_MANIFEST.equals(in.getHeader(JobOutputsConstants.KIND))) {
                // A job's manifest comes when its every file is settled: parts kept for later attempts are no use now.
                String job = SinkNames.jobKeyOf(name);
                if (job != null) {
                    getEndpoint().writer().sweep(job);
                }
            }
            try (InputStream body = in.getMandatoryBody(InputStream.class)) {
                staged = getEndpoint().writer().stage(name, body);
            }
        } catch (Exception e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        if (!getEndpoint().writer().isFsync()) {
            // Nothing to wait for: the rename is all a commit does.
            finish(exchange, staged.target(), getEndpoint().writer().commit(List.of(staged)).get(staged));
            callback.done(true);
            return true;
        }
        getEndpoint().committer().submit(staged, failure -> {
            finish(exchange, staged.target(), failure);
            callback.done(false);
        });
        return false;
    }

    private static void finish(Exchange exchange, Path target, Exception failure) {
        if (failure == null) {
            exchange.getIn().setHeader(Exchange.FILE_NAME_PRODUCED, target.toString());
        } else {
            exchange.setException(failure);
        }
    }
}

package dev.jobharvester.sink;

import java.io.InputStream;
import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultProducer;

/** Writes the body to the file named by {@code CamelFileName}; the exchange completes once the file is durable. */
final class DurableFileProducer extends DefaultProducer {

    DurableFileProducer(DurableFileEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    public DurableFileEndpoint getEndpoint() {
        return (DurableFileEndpoint) super.getEndpoint();
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Message in = exchange.getIn();
        String name = in.getHeader(Exchange.FILE_NAME, String.class);
        if (name == null) {
            throw new IllegalArgumentException("durable-file: the message has no " + Exchange.FILE_NAME + " header"
                    + " to name its file");
        }
        Path written;
        try (InputStream body = in.getMandatoryBody(InputStream.class)) {
            written = getEndpoint().writer().write(name, body);
        }
        in.setHeader(Exchange.FILE_NAME_PRODUCED, written.toString());
    }
}

package dev.jobharvester.sink;

import java.util.Map;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.Metadata;
import org.apache.camel.support.DefaultComponent;

/**
 * The harvester's directory sink, {@code durable-file:/path}: what camel-file's producer does with a temp prefix,
 * plus what it does not: fsync of the file and its directory before the exchange completes, a replacement that never
 * deletes the old file first, no writing through symbolic links, and no temp file left by a failure. Its options apply
 * to every endpoint ({@code camel.component.durable-file.*}) unless an endpoint sets its own.
 */
@org.apache.camel.spi.annotations.Component("durable-file")
public class DurableFileComponent extends DefaultComponent {

    @Metadata(defaultValue = "true", description = "Whether a file and its directory are fsync'ed before the file"
            + " counts as delivered: turn it off only for a scratch disk, where a power cut may leave files empty.")
    private boolean fsync = true;

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException("durable-file: name the directory, e.g. durable-file:/srv/harvested");
        }
        DurableFileEndpoint endpoint = new DurableFileEndpoint(uri, this, remaining);
        endpoint.setFsync(fsync);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    public boolean isFsync() {
        return fsync;
    }

    public void setFsync(boolean fsync) {
        this.fsync = fsync;
    }
}

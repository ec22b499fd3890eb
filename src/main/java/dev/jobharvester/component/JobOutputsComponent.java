package dev.jobharvester.component;

import dev.jobharvester.download.HttpClients;
import dev.jobharvester.ledger.FileLedger;
import dev.jobharvester.ledger.Ledger;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;

/**
 * The job-outputs component. It owns what its endpoints share: HTTP connection pools (one per timeout setting) and
 * the file ledgers, so two routes naming the same ledger write through one instance.
 */
@org.apache.camel.spi.annotations.Component("job-outputs")
public class JobOutputsComponent extends DefaultComponent {

    private static final int MAX_CONNECTIONS = 64;

    private final Map<String, CloseableHttpClient> httpClients = new HashMap<>();
    private final Map<Path, FileLedger> ledgers = new HashMap<>();

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        JobOutputsConfiguration configuration = new JobOutputsConfiguration();
        configuration.setProvider(remaining);
        setProperties(configuration, parameters);
        JobOutputsEndpoint endpoint = new JobOutputsEndpoint(uri, this, configuration);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    synchronized CloseableHttpClient httpClient(JobOutputsConfiguration configuration) {
        String key = configuration.getConnectTimeout() + "/" + configuration.getReadTimeout();
        return httpClients.computeIfAbsent(key, k -> HttpClients.create(configuration.getConnectTimeout(),
                configuration.getReadTimeout(), MAX_CONNECTIONS));
    }

    /** The started file ledger at {@code dataDir/ledger/name.jsonl}. */
    synchronized Ledger fileLedger(String dataDir, String name) {
        Path file = Path.of(dataDir, "ledger", name + ".jsonl").toAbsolutePath().normalize();
        return ledgers.computeIfAbsent(file, f -> {
            FileLedger ledger = new FileLedger(f);
            ServiceHelper.startService(ledger);
            return ledger;
        });
    }

    @Override
    protected synchronized void doStop() throws Exception {
        ServiceHelper.stopService(ledgers.values());
        ledgers.clear();
        for (CloseableHttpClient client : httpClients.values()) {
            client.close();
        }
        httpClients.clear();
        super.doStop();
    }
}

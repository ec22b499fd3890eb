package dev.jobharvester.component;

import dev.jobharvester.download.DownloadStream;
import dev.jobharvester.ledger.DeliveredFile;
import dev.jobharvester.ledger.Ledger;
import dev.jobharvester.ledger.Manifest;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.JobStatus;
import dev.jobharvester.provider.OutputFile;
import dev.jobharvester.provider.ProviderException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.support.ScheduledBatchPollingConsumer;
import org.apache.camel.util.IOHelper;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls each tracked job until it reaches a terminal state, then emits one exchange per output file not yet in the
 * ledger and, once all are delivered, one exchange with the job's manifest. A file is recorded in the ledger only
 * when its exchange completed, so a failure or a crash means "fetch again", never "lost".
 */
public class JobOutputsConsumer extends ScheduledBatchPollingConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(JobOutputsConsumer.class);

    private final JobProvider provider;
    private final CloseableHttpClient http;
    private final Map<String, TrackedJob> jobs = new ConcurrentHashMap<>();
    /** Files handed to the route and not finished yet, by ledger key; the body is absent for a manifest. */
    private final Map<String, DownloadStream> inFlight = new ConcurrentHashMap<>();
    private Ledger ledger;

    public JobOutputsConsumer(JobOutputsEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.provider = endpoint.provider();
        this.http = endpoint.getComponent().httpClient(endpoint.getConfiguration());
    }

    @Override
    public JobOutputsEndpoint getEndpoint() {
        return (JobOutputsEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        JobOutputsConfiguration configuration = getEndpoint().getConfiguration();
        ledger = getEndpoint().getComponent().fileLedger(configuration.getDataDir(), ledgerName(configuration));
        // Stream caching would pull every file into memory or a spool file before the sink sees it.
        getEndpoint().getCamelContext().getStreamCachingStrategy().setDenyClasses(DownloadStream.class);
        configuration.jobIdSet().forEach(this::addJob);
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        // Reached when the graceful shutdown timed out: cut the downloads still running, so their exchanges fail
        // (their temp files never get a final name) and the next start fetches them again.
        inFlight.values().forEach(IOHelper::close);
    }

    private String ledgerName(JobOutputsConfiguration configuration) {
        if (configuration.getLedgerName() != null && !configuration.getLedgerName().isBlank()) {
            return configuration.getLedgerName();
        }
        if (getRoute() == null || !getRoute().isCustomId()) {
            throw new IllegalArgumentException("job-outputs:" + provider.name() + ": give the route an id (or set"
                    + " ledgerName): the ledger of delivered files is kept per route id, and a generated id would change"
                    + " between runs and deliver everything again");
        }
        return getRoute().getRouteId();
    }

    /** Starts tracking a job; answers false when it is tracked already. */
    public boolean addJob(String jobId) {
        return jobs.putIfAbsent(jobId, new TrackedJob(jobId, SinkNames.jobKey(provider.name(), jobId))) == null;
    }

    @Override
    protected int poll() throws Exception {
        shutdownRunningTask = null;
        pendingExchanges = 0;
        Queue<Object> files = new LinkedList<>();
        List<TrackedJob> listed = new ArrayList<>();
        for (TrackedJob job : jobs.values()) {
            if (job.finished || hasFilesInFlight(job)) {
                continue;
            }
            if (ledger.isJobComplete(job.jobKey)) {
                job.finished = true;
                continue;
            }
            try {
                if (plan(job, files)) {
                    listed.add(job);
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("{} (will try again at the next poll)", e.getMessage());
            }
        }
        int count = processBatch(files);
        Queue<Object> manifests = new LinkedList<>();
        for (TrackedJob job : listed) {
            if (isStarted() && !hasFilesInFlight(job) && job.expected.keySet().stream()
                    .allMatch(path -> ledger.isDelivered(job.jobKey, path))) {
                manifests.add(manifestExchange(job));
            }
        }
        return count + processBatch(manifests);
    }

    /** Checks the job and queues its undelivered files; answers whether its outputs were listed. */
    private boolean plan(TrackedJob job, Queue<Object> files) throws IOException {
        if (job.terminal == null) {
            JobStatus status = provider.status(job.jobId);
            if (!status.providerState().equals(job.lastState)) {
                LOG.info("{} job {} is {}", provider.name(), job.jobId, status.providerState());
                job.lastState = status.providerState();
            }
            if (!status.state().isTerminal()) {
                return false;
            }
            if (!getEndpoint().harvestStates().contains(status.providerState())) {
                LOG.info("{} job {} ended '{}': not harvested (harvestStates={})", provider.name(), job.jobId,
                        status.providerState(), getEndpoint().harvestStates());
                job.finished = true;
                return false;
            }
            job.terminal = status;
            job.terminalSeenAt = Instant.now();
        }
        Optional<List<OutputFile>> outputs = provider.outputs(job.jobId);
        if (outputs.isEmpty()) {
            LOG.info("{} job {} does not hand out its outputs yet; waiting", provider.name(), job.jobId);
            return false;
        }
        Map<String, OutputFile> expected = new LinkedHashMap<>();
        for (OutputFile file : outputs.get()) {
            try {
                expected.put(SinkNames.relativePath(file.path()), file);
            } catch (IllegalArgumentException e) {
                throw new ProviderException(provider.name(), job.jobId, e.getMessage());
            }
        }
        job.expected = expected;
        expected.forEach((path, file) -> {
            if (!ledger.isDelivered(job.jobKey, path) && !inFlight.containsKey(job.jobKey + "/" + path)) {
                files.add(fileExchange(job, path, file));
            }
        });
        return true;
    }

    private boolean hasFilesInFlight(TrackedJob job) {
        String prefix = job.jobKey + "/";
        return inFlight.keySet().stream().anyMatch(key -> key.startsWith(prefix));
    }

    private Exchange fileExchange(TrackedJob job, String path, OutputFile file) {
        String key = job.jobKey + "/" + path;
        DownloadStream body = new DownloadStream(http, file.location(), key, file.size());
        inFlight.put(key, body);
        Exchange exchange = createExchange(job, path, JobOutputsConstants.KIND_FILE);
        Message in = exchange.getIn();
        in.setBody(body);
        in.setHeader(JobOutputsConstants.SOURCE_PATH, file.path());
        if (file.size() >= 0) {
            in.setHeader(JobOutputsConstants.SIZE, file.size());
        }
        exchange.getExchangeExtension().addOnCompletion(new Synchronization() {
            @Override
            public void onComplete(Exchange done) {
                try {
                    recordDelivered(job, path, file, body);
                } finally {
                    release(key, body);
                }
            }

            @Override
            public void onFailure(Exchange failed) {
                release(key, body);
                LOG.warn("{} not delivered (will be fetched again at the next poll): {}", key, cause(failed));
            }
        });
        return exchange;
    }

    private void recordDelivered(TrackedJob job, String path, OutputFile file, DownloadStream body) {
        if (body.isComplete()) {
            ledger.delivered(new DeliveredFile(job.jobKey, path, body.bytesRead(), body.sha256(), file.path(),
                    Instant.now()));
        } else if (!body.isOpened()) {
            LOG.info("{}/{}: the route finished without reading the file; recorded as skipped by the route",
                    job.jobKey, path);
            ledger.delivered(new DeliveredFile(job.jobKey, path, -1, null, file.path(), Instant.now()));
        } else {
            LOG.warn("{}/{}: the route stopped reading after {} bytes; not recorded, it will be fetched again",
                    job.jobKey, path, body.bytesRead());
        }
    }

    private void release(String key, DownloadStream body) {
        IOHelper.close(body);
        inFlight.remove(key);
    }

    private Exchange manifestExchange(TrackedJob job) {
        List<DeliveredFile> delivered = ledger.deliveredFiles(job.jobKey);
        byte[] manifest = Manifest.render(provider.name(), job.jobId, job.terminal.providerState(), delivered,
                job.terminalSeenAt, Instant.now());
        Exchange exchange = createExchange(job, SinkNames.MANIFEST, JobOutputsConstants.KIND_MANIFEST);
        exchange.getIn().setBody(manifest);
        exchange.getIn().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getExchangeExtension().addOnCompletion(new Synchronization() {
            @Override
            public void onComplete(Exchange done) {
                ledger.jobComplete(job.jobKey);
                job.finished = true;
                long bytes = delivered.stream().filter(DeliveredFile::transferred).mapToLong(DeliveredFile::size).sum();
                LOG.info("{} job {} complete: {} files, {} bytes, manifest delivered", provider.name(), job.jobId,
                        delivered.stream().filter(DeliveredFile::transferred).count(), bytes);
            }

            @Override
            public void onFailure(Exchange failed) {
                LOG.warn("{}/{} not delivered (will be tried again at the next poll): {}", job.jobKey,
                        SinkNames.MANIFEST, cause(failed));
            }
        });
        return exchange;
    }

    private Exchange createExchange(TrackedJob job, String path, String kind) {
        Exchange exchange = createExchange(true);
        Message in = exchange.getIn();
        in.setHeader(JobOutputsConstants.PROVIDER, provider.name());
        in.setHeader(JobOutputsConstants.JOB_ID, job.jobId);
        in.setHeader(JobOutputsConstants.JOB_STATE, job.terminal.providerState());
        in.setHeader(JobOutputsConstants.PATH, path);
        in.setHeader(JobOutputsConstants.KIND, kind);
        in.setHeader(Exchange.FILE_NAME, job.jobKey + "/" + path);
        return exchange;
    }

    private static String cause(Exchange exchange) {
        Throwable cause = exchange.getException();
        return cause == null ? "the route marked it failed" : cause.getMessage();
    }

    @Override
    public int processBatch(Queue<Object> exchanges) throws Exception {
        int total = exchanges.size();
        for (int index = 0; index < total && isBatchAllowed(); index++) {
            Exchange exchange = (Exchange) exchanges.poll();
            exchange.setProperty(ExchangePropertyKey.BATCH_INDEX, index);
            exchange.setProperty(ExchangePropertyKey.BATCH_SIZE, total);
            exchange.setProperty(ExchangePropertyKey.BATCH_COMPLETE, index == total - 1);
            pendingExchanges = total - index - 1;
            getAsyncProcessor().process(exchange, defaultConsumerCallback(exchange, true));
        }
        // Exchanges the shutdown stopped us from sending were never started: let the next poll take them.
        for (Object left : exchanges) {
            Exchange exchange = (Exchange) left;
            exchange.setException(new IllegalStateException("the route stopped before this file was started"));
            exchange.getExchangeExtension().handoverCompletions().forEach(s -> s.onFailure(exchange));
        }
        return total;
    }

    /** A job this consumer watches. Fields are touched by the polling thread only, and by completions it runs. */
    private static final class TrackedJob {
        private final String jobId;
        private final String jobKey;
        private volatile boolean finished;
        private String lastState;
        private JobStatus terminal;
        private Instant terminalSeenAt;
        private Map<String, OutputFile> expected = Map.of();

        private TrackedJob(String jobId, String jobKey) {
            this.jobId = jobId;
            this.jobKey = jobKey;
        }
    }
}

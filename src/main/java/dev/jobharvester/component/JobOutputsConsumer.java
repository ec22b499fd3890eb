package dev.jobharvester.component;

import dev.jobharvester.component.TrackedJob.Relisting;
import dev.jobharvester.download.DownloadStream;
import dev.jobharvester.download.Progress;
import dev.jobharvester.download.Redact;
import dev.jobharvester.download.VerifiedBody;
import dev.jobharvester.download.ZipEntryBody;
import dev.jobharvester.durability.Directories;
import dev.jobharvester.durability.LinkRefusedException;
import dev.jobharvester.ledger.DeliveredFile;
import dev.jobharvester.ledger.DeliveredFile.Kind;
import dev.jobharvester.ledger.Lease;
import dev.jobharvester.ledger.LeaseLostException;
import dev.jobharvester.ledger.Ledger;
import dev.jobharvester.ledger.LedgerFailureException;
import dev.jobharvester.ledger.Manifest;
import dev.jobharvester.provider.ApiStatus;
import dev.jobharvester.provider.DiscoveryFilter;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.JobStatus;
import dev.jobharvester.provider.OutputFile;
import dev.jobharvester.provider.OutputPage;
import dev.jobharvester.provider.ProviderException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedOperation;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.support.ScheduledBatchPollingConsumer;
import org.apache.camel.util.IOHelper;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls each tracked job until it reaches a terminal state, then lists its outputs page by page and emits one
 * exchange per file not yet in the ledger, each page before the next is listed; once all are delivered, one
 * exchange with the job's manifest. A file is recorded in the ledger only when its exchange completed, so a
 * failure or a crash means "fetch again", never "lost".
 */
@ManagedResource(description = "Harvests the outputs of finished jobs")
public class JobOutputsConsumer extends ScheduledBatchPollingConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(JobOutputsConsumer.class);
    private static final Duration RELISTING_REUSE = Duration.ofSeconds(10);
    /** Files per download lane a sink may hold between taking their bytes and completing (committing) them. */
    private static final int UNFINISHED_PER_LANE = 32;

    private final JobProvider provider;
    private final JobOutputsConfiguration configuration;
    private final CloseableHttpClient http;
    private DiscoveryFilter discovery;
    private final Map<String, TrackedJob> jobs = new ConcurrentHashMap<>();
    /** Downloads handed to the route and not finished yet, by ledger key. */
    private final Map<String, DownloadStream> inFlight = new ConcurrentHashMap<>();
    private final HarvestStatistics statistics = new HarvestStatistics();
    private Ledger ledger;
    private JobInbox inbox;
    private HarvestHealthCheck healthCheck;
    private HarvestMetrics metrics;
    private volatile boolean paused;
    /** The same for every file of this consumer: made once at start, not per download. */
    private DownloadStream.Options downloadOptions;
    /** Runs the file exchanges of a page side by side; null when concurrentDownloads is 1 (the polling thread does). */
    private ExecutorService downloads;
    /** The leases on the jobs this consumer harvests right now, by job key. */
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    /** Renews the leases of a shared ledger while their jobs are harvested; null with the file ledger. */
    private ScheduledExecutorService renewals;
    /** Why files that went to the sink in this poll could not be recorded (the last reason), told once per poll. */
    private final AtomicReference<String> unrecorded = new AtomicReference<>();

    public JobOutputsConsumer(JobOutputsEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.provider = endpoint.provider();
        this.configuration = endpoint.getConfiguration();
        this.http = endpoint.getComponent().httpClient(configuration);
    }

    @Override
    public JobOutputsEndpoint getEndpoint() {
        return (JobOutputsEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        JobOutputsComponent component = getEndpoint().getComponent();
        ledger = component.ledger(configuration.getDataDir(), getEndpoint().ledgerName(getRoute()));
        LOG.info("{}: ledger in {}", getRouteId(), ledger);
        if (component.isLedgerShared()) {
            long every = Math.max(1, component.getLeaseTime() / 3);
            renewals = getEndpoint().getCamelContext().getExecutorServiceManager()
                    .newSingleThreadScheduledExecutor(this, "job-outputs-leases-" + getRouteId());
            renewals.scheduleWithFixedDelay(this::renewLeases, every, every, TimeUnit.MILLISECONDS);
        }
        discovery = getEndpoint().discoveryFilter();
        downloadOptions = configuration.downloadOptions();
        inbox = configuration.getInbox() == null || configuration.getInbox().isBlank() ? null
                : new JobInbox(Path.of(configuration.getInbox()));
        // Stream caching would pull every file into memory or a spool file before the sink sees it.
        getEndpoint().getCamelContext().getStreamCachingStrategy()
                .setDenyClasses(DownloadStream.class, ZipEntryBody.class);
        configuration.jobIdSet().forEach(this::addJob);
        healthCheck = new HarvestHealthCheck(this);
        HealthCheckRegistry.get(getEndpoint().getCamelContext()).register(healthCheck);
        metrics = HarvestMetrics.bind(this);
        if (configuration.getConcurrentDownloads() > 1) {
            downloads = getEndpoint().getCamelContext().getExecutorServiceManager().newFixedThreadPool(this,
                    "job-outputs-" + getRouteId(), configuration.getConcurrentDownloads());
        }
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        if (healthCheck != null) {
            HealthCheckRegistry.get(getEndpoint().getCamelContext()).unregister(healthCheck);
            metrics.close();
            healthCheck = null;
        }
        // Reached when the graceful shutdown timed out: cut the downloads still running, so their exchanges fail
        // (their temp files never get a final name) and the next start fetches them again.
        inFlight.values().forEach(IOHelper::close);
        if (downloads != null) {
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(downloads);
            downloads = null;
        }
        if (renewals != null) {
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(renewals);
            renewals = null;
        }
    }

    private void renewLeases() {
        leases.forEach((jobKey, lease) -> {
            if (!lease.renew() && leases.remove(jobKey, lease)) {
                LOG.warn("{}: lost the lease on the job; its files in flight stop, and another instance takes it over",
                        jobKey);
            }
        });
    }

    /** Whether this consumer still holds the job: its downloads stop as soon as it does not. */
    private boolean holds(TrackedJob job) {
        Lease lease = leases.get(job.jobKey);
        return lease != null && lease.held();
    }

    /** Starts tracking a job; answers false when it is tracked already. */
    @ManagedOperation(description = "Adds a job to harvest, by its id on the platform; false if it is tracked already")
    public boolean addJob(String jobId) {
        String id = jobId == null ? "" : jobId.trim();
        if (id.isEmpty()) {
            throw new IllegalArgumentException("a job id must not be empty");
        }
        boolean added = jobs.putIfAbsent(id, new TrackedJob(id, SinkNames.jobKey(provider.name(), id))) == null;
        if (added) {
            LOG.info("{} job {} found: watching it until it ends", provider.name(), id);
        }
        return added;
    }

    @ManagedOperation(description = "Forgets what was delivered of a job and harvests it again, over the files in the"
            + " sink; false if the job was never harvested")
    public boolean harvestAgain(String jobId) {
        String id = jobId == null ? "" : jobId.trim();
        TrackedJob old = jobs.get(id);
        if (old != null && hasFilesInFlight(old)) {
            throw new IllegalStateException(provider.name() + " job " + id + " is being harvested right now; ask again"
                    + " once its files in flight are done");
        }
        String jobKey = SinkNames.jobKey(provider.name(), id);
        if (!ledger.forgetJob(jobKey) && old == null) {
            return false;
        }
        jobs.put(id, new TrackedJob(id, jobKey));
        LOG.info("{} job {} will be harvested again: every file is fetched and delivered anew", provider.name(), id);
        return true;
    }

    @ManagedOperation(description = "Pauses the pipeline: no new job is polled and no new file is started; files in"
            + " flight finish")
    public void pausePipeline() {
        paused = true;
        LOG.info("{}: paused; files in flight finish, nothing new starts until resumePipeline", getRouteId());
    }

    @ManagedOperation(description = "Resumes a paused pipeline at its next poll")
    public void resumePipeline() {
        paused = false;
        LOG.info("{}: resumed", getRouteId());
    }

    @ManagedAttribute(description = "Whether the pipeline is paused (pausePipeline)")
    public boolean isPaused() {
        return paused;
    }

    @ManagedAttribute(description = "Where this pipeline's ledger is: a file, or a PostgreSQL database shared with"
            + " other instances")
    public String getLedger() {
        return ledger.toString();
    }

    @ManagedAttribute(description = "The jobs this instance holds a lease on right now (a shared ledger's other"
            + " instances leave them alone)")
    public List<String> getLeasesHeld() {
        return leases.keySet().stream().sorted().toList();
    }

    @ManagedAttribute(description = "The platform this pipeline harvests")
    public String getProvider() {
        return provider.name();
    }

    @ManagedAttribute(description = "Jobs tracked: waiting, being harvested, or done in this run")
    public int getTrackedJobs() {
        return jobs.size();
    }

    @ManagedAttribute(description = "Jobs done with in this run: harvested, not harvestable, or given up")
    public long getFinishedJobs() {
        return jobs.values().stream().filter(j -> j.phase.isFinished()).count();
    }

    @ManagedAttribute(description = "Jobs not finished on the platform yet")
    public long getWaitingJobs() {
        return jobsIn(JobPhase.WAITING);
    }

    @ManagedAttribute(description = "Jobs whose files are being delivered")
    public long getHarvestingJobs() {
        return jobsIn(JobPhase.HARVESTING);
    }

    @ManagedAttribute(description = "Jobs whose files and manifest are all in the sink")
    public long getHarvestedJobs() {
        return jobsIn(JobPhase.HARVESTED);
    }

    @ManagedAttribute(description = "Jobs given up after the platform kept answering errors (addJob tries again)")
    public long getFailedJobs() {
        return jobsIn(JobPhase.GIVEN_UP);
    }

    @ManagedAttribute(description = "Jobs that ended in a state this pipeline does not harvest")
    public long getNotHarvestedJobs() {
        return jobsIn(JobPhase.NOT_HARVESTED);
    }

    long jobsIn(JobPhase phase) {
        return jobs.values().stream().filter(j -> j.phase == phase).count();
    }

    /** Where a tracked job is, or null when it is not tracked. */
    public JobPhase jobPhase(String jobId) {
        TrackedJob job = jobs.get(jobId);
        return job == null ? null : job.phase;
    }

    /** Whether the platform told the job's state in this run. */
    public boolean isJobSeen(String jobId) {
        TrackedJob job = jobs.get(jobId);
        return job != null && job.lastState != null;
    }

    @ManagedAttribute(description = "Each tracked job: its id, where it is, and the platform's last word on it")
    public List<String> getJobs() {
        return jobs.values().stream().map(j -> j.jobId + ": " + j.phase.name().toLowerCase(Locale.ROOT)
                + (j.lastState == null ? "" : " (" + j.lastState + ")")).sorted().toList();
    }

    @ManagedAttribute(description = "Files delivered in this run")
    public long getFilesDelivered() {
        return statistics.filesDelivered();
    }

    @ManagedAttribute(description = "Bytes delivered in this run")
    public long getBytesDelivered() {
        return statistics.bytesDelivered();
    }

    @ManagedAttribute(description = "Downloads running now")
    public int getFilesInFlight() {
        return (int) inFlight.values().stream().filter(DownloadStream::isOpened).count();
    }

    @ManagedAttribute(description = "Each download running now and how far it is")
    public List<String> getTransfers() {
        return inFlight.values().stream().filter(DownloadStream::isOpened)
                .map(d -> d.label() + ": " + Progress.bytes(d.bytesRead())
                        + (d.expectedSize() >= 0 ? " of " + Progress.bytes(d.expectedSize()) : ""))
                .sorted().toList();
    }

    @ManagedAttribute(description = "Transfers resumed after a break plus files fetched again after a failed attempt")
    public long getRetries() {
        return statistics.retries();
    }

    @ManagedAttribute(description = "Deliveries the sink failed in this run")
    public long getSinkFailures() {
        return statistics.sinkFailures();
    }

    @ManagedAttribute(description = "Why the sink failed the last delivery; empty once a delivery went through")
    public String getLastSinkError() {
        return statistics.sinkError() == null ? "" : statistics.sinkError();
    }

    @ManagedAttribute(description = "When the sink last took a file or a manifest (ISO-8601; empty: not yet)")
    public String getLastDelivery() {
        return text(statistics.lastDelivery());
    }

    @ManagedAttribute(description = "When the platform was last polled (ISO-8601; empty: not yet)")
    public String getLastPoll() {
        return text(statistics.lastPoll());
    }

    @ManagedAttribute(description = "Whether the platform's API answered its last call")
    public boolean isApiAnswering() {
        return apiStatus().answering();
    }

    @ManagedAttribute(description = "Since when the platform's API answers or fails, and why it fails")
    public String getApiStatus() {
        ApiStatus status = apiStatus();
        return (status.answering() ? "answering" : "failing") + (status.since() == null ? "" : " since " + status.since())
                + (status.lastFailure() == null ? "" : ": " + status.lastFailure());
    }

    ApiStatus apiStatus() {
        return provider.api().status();
    }

    HarvestStatistics statistics() {
        return statistics;
    }

    private static String text(Instant instant) {
        return instant == null ? "" : instant.toString();
    }

    @Override
    protected int poll() throws Exception {
        shutdownRunningTask = null;
        pendingExchanges = 0;
        if (paused) {
            return 0;
        }
        statistics.polled();
        if (!ledger.retryWrites()) {
            LOG.warn("{}: {}; no new files are taken until it can be written again (tried at every poll)",
                    getRouteId(), ledger.writeFailure());
            return 0;
        }
        if (inbox != null) {
            inbox.take().forEach(this::addJob);
        }
        if (discovery != null) {
            discover();
        }
        int count = 0;
        for (TrackedJob job : new ArrayList<>(jobs.values())) {
            if (!isRunAllowed()) {
                break;
            }
            if (job.phase.isFinished() || hasFilesInFlight(job)) {
                continue;
            }
            try {
                if (ledger.isJobComplete(job.jobKey)) {
                    job.phase = JobPhase.HARVESTED;
                    continue;
                }
                count += harvest(job);
                job.errors = 0;
            } catch (ProviderException e) {
                platformError(job, e);
            } catch (LedgerFailureException e) {
                // The other jobs would wait on the same database: one line, and the next poll tries again.
                LOG.warn("{} (will try again at the next poll)", e.getMessage());
                break;
            } catch (IOException | RuntimeException e) {
                LOG.warn("{} (will try again at the next poll)", e.getMessage());
            }
        }
        String notRecorded = unrecorded.getAndSet(null);
        if (notRecorded != null) {
            LOG.warn("{}: files went to the sink but are not recorded, so they will be delivered again: {}",
                    getRouteId(), notRecorded);
        }
        return count;
    }

    /** Why the ledger cannot be written now, or null: while it cannot, no new file is taken. */
    String ledgerFailure() {
        return ledger == null ? null : ledger.writeFailure();
    }

    private boolean takesFiles() {
        return isBatchAllowed() && !paused && ledger.writeFailure() == null;
    }

    private void discover() {
        try {
            for (String id : provider.discover(discovery)) {
                if (!jobs.containsKey(id) && !ledger.isJobComplete(SinkNames.jobKey(provider.name(), id))) {
                    addJob(id);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: discovery failed (will try again at the next poll): {}", provider.name(), e.getMessage());
        }
    }

    /** An error answer counts toward giving the job up; an answer that cannot be read is only retried. */
    private void platformError(TrackedJob job, ProviderException e) {
        if (e.httpStatus() == 0) {
            LOG.warn("{} (will try again at the next poll)", e.getMessage());
            return;
        }
        job.errors++;
        int max = configuration.getMaxJobErrors();
        if (max > 0 && job.errors >= max) {
            job.phase = JobPhase.GIVEN_UP;
            LOG.error("{} (given up after {} errors in a row; add the job again once the platform answers)",
                    e.getMessage(), job.errors);
        } else {
            LOG.warn("{} (error {} in a row; will try again at the next poll)", e.getMessage(), job.errors);
        }
    }

    /**
     * Harvests what is undelivered of a job in a harvestable state, under a lease on it (another instance sharing the
     * ledger may hold it: then the job is left to it); answers the exchanges sent.
     */
    private int harvest(TrackedJob job) throws Exception {
        if (!harvestable(job)) {
            return 0;
        }
        Optional<Lease> claimed = ledger.claim(job.jobKey);
        if (claimed.isEmpty()) {
            LOG.debug("{} job {} is being harvested by another instance", provider.name(), job.jobId);
            return 0;
        }
        Lease lease = claimed.get();
        leases.put(job.jobKey, lease);
        try {
            if (ledger.isJobComplete(job.jobKey)) {
                // Another instance finished it between the look at the ledger and the claim.
                job.phase = JobPhase.HARVESTED;
                return 0;
            }
            return harvestPages(job);
        } finally {
            leases.remove(job.jobKey, lease);
            lease.release();
        }
    }

    /** Harvests the job's pages in turn, then its manifest once every file is in; answers the exchanges sent. */
    private int harvestPages(TrackedJob job) throws Exception {
        int count = 0;
        boolean allIn = true;
        boolean anyParked = false;
        String page = null;
        do {
            Optional<OutputPage> listed = provider.outputs(job.jobId, page);
            if (listed.isEmpty()) {
                LOG.info("{} job {} does not hand out its outputs yet; waiting", provider.name(), job.jobId);
                return count;
            }
            Queue<Object> batch = new LinkedList<>();
            List<String> sent = new ArrayList<>();
            CaseInsensitiveNames names = new CaseInsensitiveNames();
            Map<String, OutputFile> listedFiles = new LinkedHashMap<>();
            for (OutputFile file : listed.get().files()) {
                String path = sinkPath(job, names, file.path(), file.path());
                if (path != null) {
                    listedFiles.put(path, file);
                }
            }
            // The ledger is asked once for the page before its batch and once after, not once per file and question.
            Map<String, Kind> recorded = ledger.recorded(job.jobKey, listedFiles.keySet());
            for (Map.Entry<String, OutputFile> listedFile : listedFiles.entrySet()) {
                String path = listedFile.getKey();
                OutputFile file = listedFile.getValue();
                if (recorded.containsKey(path)) {
                    continue;
                }
                String refusal = getEndpoint().downloadPolicy().refusal(file.location());
                if (refusal != null) {
                    refuse(job, file.path(), "its location " + Redact.url(file.location()) + " is refused: " + refusal);
                    continue;
                }
                if (configuration.isUnpackArchives() && path.toLowerCase(Locale.ROOT).endsWith(".zip")) {
                    count += unpack(job, path, file);
                } else {
                    // Made when its turn comes: a page of 20,000 files must not hold 20,000 exchanges at once.
                    batch.add((Supplier<Exchange>) () -> fileExchange(job, path, file));
                }
                sent.add(path);
            }
            count += processBatch(batch);
            ledger.sync();
            recorded = ledger.recorded(job.jobKey, listedFiles.keySet());
            allIn &= recorded.keySet().containsAll(sent);
            anyParked |= recorded.containsValue(Kind.PARKED);
            page = listed.get().next();
        } while (page != null && takesFiles() && holds(job));
        // A job whose lease was lost meanwhile is another instance's to finish, manifest included. Held, nobody else
        // can have completed it: completing is fenced by the lease, and harvest() looked after claiming.
        if (page != null || !allIn || hasFilesInFlight(job) || !isRunAllowed() || !takesFiles() || !holds(job)) {
            return count;
        }
        if (anyParked) {
            job.phase = JobPhase.PARKED;
            LOG.warn("{} job {}: every file is delivered but the parked ones; the manifest waits for them (JMX"
                    + " retryParkedFiles)", provider.name(), job.jobId);
        } else {
            Queue<Object> manifest = new LinkedList<>();
            manifest.add(manifestExchange(job));
            count += processBatch(manifest);
        }
        return count;
    }

    /** Checks the job's state; answers whether its outputs are to be harvested now. */
    private boolean harvestable(TrackedJob job) throws IOException {
        if (job.terminal != null) {
            return true;
        }
        JobStatus status = provider.status(job.jobId);
        boolean changed = !status.providerState().equals(job.lastState);
        if (changed) {
            LOG.info("{} job {} is {}", provider.name(), job.jobId, status.providerState());
            job.lastState = status.providerState();
        }
        if (!status.state().isTerminal()) {
            return false;
        }
        if (!getEndpoint().harvestStates().contains(status.providerState())) {
            if (provider.reversibleStates().contains(status.providerState())) {
                if (changed) {
                    LOG.info("{} job {} ended '{}': not harvested, but still watched: it can be retried",
                            provider.name(), job.jobId, status.providerState());
                }
                return false;
            }
            LOG.info("{} job {} ended '{}': not harvested (harvestStates={})", provider.name(), job.jobId,
                    status.providerState(), getEndpoint().harvestStates());
            job.phase = JobPhase.NOT_HARVESTED;
            return false;
        }
        job.terminal = status;
        job.harvestStartedNanos = System.nanoTime();
        job.phase = JobPhase.HARVESTING;
        LOG.info("{} job {} ended '{}': harvesting its outputs", provider.name(), job.jobId, status.providerState());
        return true;
    }

    /** The file's path in the sink, or null when its name is refused (the refusal is recorded for the manifest). */
    private String sinkPath(TrackedJob job, CaseInsensitiveNames names, String name, String sourcePath) {
        try {
            return names.claim(SinkNames.relativePath(name), sourcePath);
        } catch (IllegalArgumentException e) {
            refuse(job, sourcePath, e.getMessage());
            return null;
        }
    }

    /** Records a file that is not delivered on purpose, once, for the manifest's list of refused files. */
    private void refuse(TrackedJob job, String sourcePath, String reason) {
        refuse(job, "_refused/" + SinkNames.segment(sourcePath), sourcePath, reason);
    }

    /** @param key the refused file's place in the ledger: its sink path, or a made-up one when it has none */
    private void refuse(TrackedJob job, String key, String sourcePath, String reason) {
        if (!ledger.isDelivered(job.jobKey, key)) {
            LOG.error("{} job {}: output {} refused, {}", provider.name(), job.jobId, SinkNames.printable(sourcePath),
                    reason);
            ledger.delivered(new DeliveredFile(job.jobKey, key, Kind.REFUSED, -1, null, sourcePath, reason,
                    Instant.now()));
        }
    }

    private boolean hasFilesInFlight(TrackedJob job) {
        String prefix = job.jobKey + "/";
        return inFlight.keySet().stream().anyMatch(key -> key.startsWith(prefix));
    }

    private DownloadStream download(TrackedJob job, String key, OutputFile file) {
        DownloadStream body = new DownloadStream(http, file, key, provider.downloadAuthorization(file),
                stale -> refresh(job, stale), () -> holds(job), downloadOptions);
        inFlight.put(key, body);
        return body;
    }

    /**
     * The file with a fresh location, from its page listed again. One listing at a time per job, and a listing
     * younger than {@link #RELISTING_REUSE} serves every file of its page: many files expiring together cost one.
     * The fresh location is held to the allowed hosts like the first.
     */
    private Optional<OutputFile> refresh(TrackedJob job, OutputFile stale) throws IOException {
        Optional<OutputFile> fresh = relisted(job, stale);
        String refusal = fresh.map(f -> getEndpoint().downloadPolicy().refusal(f.location())).orElse(null);
        if (refusal != null) {
            throw new IOException(job.jobKey + "/" + stale.path() + ": refused to fetch "
                    + Redact.url(fresh.get().location()) + ": " + refusal);
        }
        return fresh;
    }

    private Optional<OutputFile> relisted(TrackedJob job, OutputFile stale) throws IOException {
        synchronized (job) {
            Relisting last = job.relisting;
            if (last == null || !Objects.equals(last.page(), stale.page())
                    || last.at().plus(RELISTING_REUSE).isBefore(Instant.now())) {
                List<OutputFile> files = provider.outputs(job.jobId, stale.page()).map(OutputPage::files)
                        .orElse(List.of());
                last = new Relisting(stale.page(), Instant.now(), files);
                job.relisting = last;
            }
            return last.files().stream().filter(f -> f.path().equals(stale.path())).findFirst();
        }
    }

    private Exchange fileExchange(TrackedJob job, String path, OutputFile file) {
        String key = job.jobKey + "/" + path;
        DownloadStream body = download(job, key, file);
        Exchange exchange = fileExchange(job, path, file.path(), file.size(), body);
        exchange.getExchangeExtension().addOnCompletion(new Synchronization() {
            @Override
            public void onComplete(Exchange done) {
                release(key, body);
            }

            @Override
            public void onFailure(Exchange failed) {
                release(key, body);
            }
        });
        return exchange;
    }

    /** An exchange for one file whose body the route reads; recorded in the ledger when the route succeeded. */
    private Exchange fileExchange(TrackedJob job, String path, String sourcePath, long size, VerifiedBody body) {
        Exchange exchange = createExchange(job, path, JobOutputsConstants.KIND_FILE);
        Message in = exchange.getIn();
        in.setBody(body);
        in.setHeader(JobOutputsConstants.SOURCE_PATH, sourcePath);
        if (size >= 0) {
            in.setHeader(JobOutputsConstants.SIZE, size);
        }
        exchange.getExchangeExtension().addOnCompletion(new Synchronization() {
            @Override
            public void onComplete(Exchange done) {
                // The ledger syncs records in the background as they come; a batch's end and a manifest wait for it.
                record(job, path, () -> recordDelivered(job, path, sourcePath, body));
            }

            @Override
            public void onFailure(Exchange failed) {
                LinkRefusedException link = failed.getException(LinkRefusedException.class);
                if (link != null) {
                    record(job, path, () -> refuse(job, path, sourcePath, link.getMessage()));
                } else if (body.failure() == null) {
                    String cause = cause(failed);
                    statistics.sinkFailed(cause);
                    statistics.retried(1);
                    LOG.warn("{}/{} not delivered (will be fetched again at the next poll): {}", job.jobKey, path,
                            cause);
                } else {
                    record(job, path, () -> sourceFailed(job, path, sourcePath, body.failure().getMessage()));
                }
            }
        });
        return exchange;
    }

    /** A file whose own download failed: tried again at the next poll, or parked once it has failed too often. */
    private void sourceFailed(TrackedJob job, String path, String sourcePath, String reason) {
        int failures = job.fileFailures.merge(path, 1, Integer::sum);
        int max = configuration.getMaxFileAttempts();
        if (max > 0 && failures >= max) {
            job.fileFailures.remove(path);
            ledger.delivered(new DeliveredFile(job.jobKey, path, Kind.PARKED, -1, null, sourcePath, reason,
                    Instant.now()));
            LOG.error("{}/{} parked after {} failed attempts, the job's manifest waits for it (JMX retryParkedFiles):"
                    + " {}", job.jobKey, path, failures, reason);
        } else {
            statistics.retried(1);
            LOG.warn("{}/{} not delivered, attempt {} (will be fetched again at the next poll): {}", job.jobKey, path,
                    failures, reason);
        }
    }

    @ManagedAttribute(description = "Files parked after their downloads kept failing, each with its last error")
    public List<String> getParkedFiles() {
        List<String> parked = new ArrayList<>();
        for (TrackedJob job : jobs.values()) {
            ledger.forEachFile(job.jobKey, Kind.PARKED, f -> parked.add(f.key() + ": " + f.note()));
        }
        return parked;
    }

    @ManagedOperation(description = "Tries the parked files again at the next poll; answers how many")
    public int retryParkedFiles() {
        int count = 0;
        for (TrackedJob job : jobs.values()) {
            List<String> parked = new ArrayList<>();
            ledger.forEachFile(job.jobKey, Kind.PARKED, f -> parked.add(f.path()));
            int retried = (int) parked.stream().filter(path -> ledger.forgetFile(job.jobKey, path)).count();
            if (retried > 0) {
                // Only this job's files are tried again: jobs given up or not harvested stay so.
                job.phase = JobPhase.HARVESTING;
                count += retried;
            }
        }
        LOG.info("{}: {} parked files will be tried again", provider.name(), count);
        return count;
    }

    /**
     * Writes to the ledger after the sink is done with a file. A write refused (the lease was lost) is logged; one
     * that failed (a full disk, a database down) is told once at the end of the poll, saying what happens next.
     */
    private void record(TrackedJob job, String path, Runnable write) {
        try {
            write.run();
        } catch (LeaseLostException e) {
            LOG.warn("{} ({} went to the sink all the same)", e.getMessage(), path);
        } catch (LedgerFailureException e) {
            LOG.debug("{}/{} is in the sink but not recorded: {}", job.jobKey, path, e.getMessage());
            unrecorded.set(e.getMessage());
        }
    }

    private void recordDelivered(TrackedJob job, String path, String sourcePath, VerifiedBody body) {
        if (body.isComplete()) {
            ledger.delivered(DeliveredFile.file(job.jobKey, path, body.bytesRead(), body.sha256(), sourcePath));
            statistics.delivered(body.bytesRead());
            job.bytesThisRun.add(body.bytesRead());
        } else if (!body.isOpened()) {
            LOG.info("{}/{}: the route finished without reading the file; recorded as skipped by the route",
                    job.jobKey, path);
            ledger.delivered(new DeliveredFile(job.jobKey, path, Kind.SKIPPED, -1, null, sourcePath, null,
                    Instant.now()));
        } else {
            LOG.warn("{}/{}: the route stopped reading after {} bytes; not recorded, it will be fetched again",
                    job.jobKey, path, body.bytesRead());
        }
    }

    private void release(String key, DownloadStream body) {
        IOHelper.close(body);
        statistics.retried(body.resumes());
        inFlight.remove(key);
    }

    /**
     * Streams a ZIP and sends each entry as a file of its own, one at a time (the next entry's bytes follow the
     * previous one's in the same download). Entries already delivered are read past; the archive itself is recorded
     * once every entry is in.
     */
    private int unpack(TrackedJob job, String archivePath, OutputFile file) throws IOException {
        String archiveKey = job.jobKey + "/" + archivePath;
        DownloadStream archive = download(job, archiveKey, file);
        int count = 0;
        CaseInsensitiveNames names = new CaseInsensitiveNames();
        try (ZipInputStream zip = new ZipInputStream(archive)) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                if (!isRunAllowed()) {
                    return count;
                }
                String sourcePath = archivePath + "!/" + entry.getName();
                String path = entry.isDirectory() ? null : sinkPath(job, names, entry.getName(), sourcePath);
                if (path == null || ledger.isDelivered(job.jobKey, path)) {
                    continue;
                }
                ZipEntryBody body = new ZipEntryBody(zip, job.jobKey + "/" + path);
                Exchange exchange = fileExchange(job, path, sourcePath, entry.getSize(), body);
                processAndWait(exchange);
                count++;
                if (!body.isComplete()) {
                    throw new IOException(job.jobKey + "/" + archivePath + ": stopped at entry " + path + ", which was"
                            + " not delivered; the archive is fetched again at the next poll");
                }
            }
            archive.transferTo(OutputStream.nullOutputStream());
        } finally {
            release(archiveKey, archive);
        }
        ledger.delivered(new DeliveredFile(job.jobKey, archivePath, Kind.ARCHIVE, archive.bytesRead(),
                archive.sha256(), file.path(), null, Instant.now()));
        return count;
    }

    /** Sends an exchange through the route and returns when the route is done with it, however it routes. */
    private void processAndWait(Exchange exchange) throws IOException {
        CountDownLatch done = new CountDownLatch(1);
        send(exchange, done::countDown);
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the route delivered " + exchange.getIn().getHeader(
                    JobOutputsConstants.PATH), e);
        }
    }

    /**
     * Sends an exchange into the route. Its completion logs a failure once, saying what happens next; the consumer's
     * exception handler is left out, as it would log the same failure again.
     */
    private void send(Exchange exchange, Runnable done) {
        getAsyncProcessor().process(exchange, doneSync -> {
            releaseExchange(exchange, false);
            done.run();
        });
    }

    /**
     * The manifest's exchange. The manifest is written to a spool file, not held in memory: it lists every file of
     * the job. The file goes away with the exchange.
     */
    private Exchange manifestExchange(TrackedJob job) throws IOException {
        Path spool = Directories.own(Path.of(configuration.getDataDir(), "spool"));
        // Not createTempFile: its owner-only mode would travel with the file into a directory sink.
        Path manifest = Files.createFile(spool.resolve("manifest-" + UUID.randomUUID() + ".json"));
        Manifest.Summary summary;
        try (OutputStream out = Files.newOutputStream(manifest)) {
            summary = Manifest.write(provider.name(), job.jobId, job.terminal.providerState(),
                    (kind, action) -> ledger.forEachFile(job.jobKey, kind, action), out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(manifest);
            throw e;
        }
        Exchange exchange = createExchange(job, SinkNames.MANIFEST, JobOutputsConstants.KIND_MANIFEST);
        exchange.getIn().setBody(manifest.toFile());
        exchange.getIn().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getExchangeExtension().addOnCompletion(new Synchronization() {
            @Override
            public void onComplete(Exchange done) {
                deleteSpooled(manifest);
                record(job, SinkNames.MANIFEST, () -> {
                    ledger.jobComplete(job.jobKey);
                    ledger.sync();
                    job.phase = JobPhase.HARVESTED;
                    statistics.deliveredToSink();
                    logHarvested(job, summary);
                });
            }

            @Override
            public void onFailure(Exchange failed) {
                String cause = cause(failed);
                statistics.sinkFailed(cause);
                LOG.warn("{}/{} not delivered (will be tried again at the next poll): {}", job.jobKey,
                        SinkNames.MANIFEST, cause);
                deleteSpooled(manifest);
            }
        });
        return exchange;
    }

    private static void deleteSpooled(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot delete the spool file {}: {}", file, e.getMessage());
        }
    }

    private void logHarvested(TrackedJob job, Manifest.Summary summary) {
        long elapsed = System.nanoTime() - job.harvestStartedNanos;
        long fetched = job.bytesThisRun.sum();
        LOG.info("{} job {} harvested: {} files, {} in {} s at {}{}; manifest delivered", provider.name(), job.jobId,
                summary.files(), Progress.bytes(summary.bytes()), String.format(Locale.ROOT, "%.1f", elapsed / 1e9),
                Progress.rate(fetched, elapsed),
                summary.others() == 0 ? "" : " (" + summary.others() + " refused or skipped, see the manifest)");
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
        return cause == null ? "the route marked it failed" : Failures.describe(cause, ": ");
    }

    /**
     * Sends the batch through the route, {@code concurrentDownloads} exchanges side by side. Each lane takes the next
     * file itself when its last is done: no hand-over per file between threads. The batch is done when every exchange
     * taken is: the caller checks the ledger next. What a shutdown or a pause kept from being taken is never started
     * (the next poll takes it); a made exchange left over, the manifest, is failed so that it cleans up.
     */
    @Override
    public int processBatch(Queue<Object> exchanges) throws Exception {
        int total = exchanges.size();
        // A sink that completes exchanges later (durable-file commits many files at once) frees the lane to fetch its
        // next file meanwhile; this bounds how many such files may wait for their commit.
        int unfinishedBound = configuration.getConcurrentDownloads() * UNFINISHED_PER_LANE;
        Semaphore unfinished = new Semaphore(unfinishedBound);
        Runnable lane = () -> {
            while (takesFiles()) {
                Object next;
                int index;
                synchronized (exchanges) {
                    index = total - exchanges.size();
                    next = exchanges.poll();
                }
                if (next == null) {
                    return;
                }
                pendingExchanges = total - index - 1;
                Exchange exchange = next instanceof Supplier<?> later ? (Exchange) later.get() : (Exchange) next;
                exchange.setProperty(ExchangePropertyKey.BATCH_INDEX, index);
                exchange.setProperty(ExchangePropertyKey.BATCH_SIZE, total);
                exchange.setProperty(ExchangePropertyKey.BATCH_COMPLETE, index == total - 1);
                unfinished.acquireUninterruptibly();
                send(exchange, unfinished::release);
            }
        };
        int lanes = downloads == null ? 1 : Math.min(configuration.getConcurrentDownloads(), total);
        if (lanes <= 1) {
            lane.run();
        } else {
            Semaphore finished = new Semaphore(0);
            for (int i = 0; i < lanes; i++) {
                try {
                    downloads.execute(() -> {
                        try {
                            lane.run();
                        } finally {
                            finished.release();
                        }
                    });
                } catch (RejectedExecutionException stopping) {
                    finished.release();
                }
            }
            // Lanes still sending must finish before the caller looks at the ledger, also when this thread is interrupted.
            finished.acquireUninterruptibly(lanes);
        }
        // So must every exchange they sent: the sink completes some later.
        unfinished.acquireUninterruptibly(unfinishedBound);
        for (Object left = exchanges.poll(); left != null; left = exchanges.poll()) {
            if (left instanceof Exchange exchange) {
                exchange.setException(new IllegalStateException("the route stopped before it was sent"));
                exchange.getExchangeExtension().handoverCompletions().forEach(s -> s.onFailure(exchange));
            }
        }
        return total;
    }
}

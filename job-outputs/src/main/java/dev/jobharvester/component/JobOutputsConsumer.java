package dev.jobharvester.component;

import dev.jobharvester.common.CaseInsensitiveNames;
import dev.jobharvester.common.Failures;
import dev.jobharvester.common.OutputFile;
import dev.jobharvester.common.SinkNames;
import dev.jobharvester.component.TrackedJob.Verdict;
import dev.jobharvester.download.ArchiveLimits;
import dev.jobharvester.download.DownloadStream;
import dev.jobharvester.download.Redact;
import dev.jobharvester.download.VerifiedBody;
import dev.jobharvester.download.ZipEntryBody;
import dev.jobharvester.durability.Directories;
import dev.jobharvester.ledger.DeliveredFile;
import dev.jobharvester.ledger.DeliveredFile.Kind;
import dev.jobharvester.ledger.Intervals;
import dev.jobharvester.ledger.JobSchedule;
import dev.jobharvester.ledger.Lease;
import dev.jobharvester.ledger.LedgerFailureException;
import dev.jobharvester.ledger.Ledger;
import dev.jobharvester.ledger.Manifest;
import dev.jobharvester.provider.DiscoveryFilter;
import dev.jobharvester.provider.JobStatus;
import dev.jobharvester.provider.OutputPage;
import dev.jobharvester.provider.ProviderException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.camel.Exchange;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.support.SynchronizationAdapter;
import org.apache.camel.util.function.ThrowingRunnable;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks each watched job for its state when the schedule says it is due, until it reaches a terminal state, then
 * lists its outputs page by page and emits one exchange per file not yet in the ledger, each page before the next is
 * listed; once all are delivered, one exchange with the job's manifest. States are asked on status workers, four at a
 * time; a job's harvest runs on a job worker, {@code concurrentJobs} at a time, so that a job whose files stall holds
 * back no other, and no harvest holds back a status check. A file is recorded in the ledger only when its exchange completed ({@link
 * FileCompletion}), so a failure or a crash means "fetch again", never "lost".
 * <p>
 * Over 300 lines because the poll's path through a job (state, lease, pages, files, archive entries, manifest) reads
 * best in one place; what each step hands off lives apart: the job's rules in {@link TrackedJob}, when it is asked in
 * {@link JobWatch}, the ledger writes in {@link DeliveryRecords}, the lanes in {@link BatchLanes}, the JMX face in
 * {@link ManagedJobOutputsConsumer}.
 */
public class JobOutputsConsumer extends ManagedJobOutputsConsumer {

    /** Status calls in flight at once, per pipeline. */
    private static final int STATUS_CHECKS = 4;
    /** Due jobs taken from the schedule at once: few enough that their claims never lapse while they wait here. */
    private static final int DUE_AT_ONCE = STATUS_CHECKS * 8;
    private static final Logger LOG = LoggerFactory.getLogger(JobOutputsConsumer.class);

    private final JobOutputsConfiguration configuration;
    private final CloseableHttpClient http;
    private DiscoveryFilter discovery;
    private JobInbox inbox;
    private HarvestHealthCheck healthCheck;
    private HarvestMetrics metrics;
    private DeliveryRecords records;
    private FreshLocations freshLocations;
    private BatchLanes lanes;
    /** The lane that tries a sink which failed as a whole: one file at a time until it takes one. */
    private final BatchLanes probe = new BatchLanes(1, null);
    /** The same for every file of this consumer: made once at start, not per download. */
    private DownloadStream.Options downloadOptions;
    /** Runs what transfers do beside their reading: hashing, and the ranges of segmented files. */
    private ExecutorService transfers;
    /** Runs the lanes of the batches of the jobs harvested side by side; null when concurrentDownloads is 1. */
    private ExecutorService downloads;
    /** Runs the jobs' turns, concurrentJobs at a time, so that a job whose files stall holds back no other. */
    private ExecutorService jobWorkers;
    /** Asks the platform for jobs' states, apart from the job workers: a long harvest holds back no status check. */
    private ExecutorService statusWorkers;
    /** The jobs whose turn runs now. */
    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    /** The jobs handed to the job workers and not done yet. */
    private final AtomicInteger harvesting = new AtomicInteger();
    /** Jobs that ended while every job worker was busy, handed back to the shared schedule for another instance. */
    private final AtomicInteger handedBack = new AtomicInteger();
    /** Renews the leases of a shared ledger while their jobs are harvested; null with the file ledger. */
    private ScheduledExecutorService renewals;

    public JobOutputsConsumer(JobOutputsEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
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
        ExecutorServiceManager executors = getEndpoint().getCamelContext().getExecutorServiceManager();
        ledger = component.ledger(configuration.getDataDir(), getEndpoint().ledgerName(getRoute()));
        LOG.info("{}: ledger in {}", getRouteId(), ledger);
        watch = new JobWatch(ledger.schedule(provider.name(), new Intervals(pollDelay(),
                Duration.ofMillis(Math.max(getDelay(), configuration.getMaxCheckInterval())),
                Duration.ofMillis(component.getLeaseTime()))), provider, pollDelay(),
                Duration.ofMillis(configuration.getWatchDelay()));
        if (component.isLedgerShared()) {
            long every = Math.max(1, component.getLeaseTime() / 3);
            renewals = executors.newSingleThreadScheduledExecutor(this, "job-outputs-leases-" + getRouteId());
            renewals.scheduleWithFixedDelay(this::renewLeases, every, every, TimeUnit.MILLISECONDS);
        }
        sinkOutage = new SinkOutage(getRouteId());
        records = new DeliveryRecords(provider.name(), ledger, statistics, configuration.getMaxFileAttempts(),
                configuration.getProgressInterval());
        freshLocations = new FreshLocations(provider, getEndpoint().downloadPolicy());
        discovery = getEndpoint().discoveryFilter();
        transfers = executors.newCachedThreadPool(this, "job-outputs-transfers-" + getRouteId());
        downloadOptions = configuration.downloadOptions(transfers, getEndpoint().downloadPolicy());
        inbox = configuration.getInbox() == null || configuration.getInbox().isBlank() ? null
                : new JobInbox(Path.of(configuration.getInbox()));
        // Stream caching would pull every file into memory or a spool file before the sink sees it.
        getEndpoint().getCamelContext().getStreamCachingStrategy()
                .setDenyClasses(DownloadStream.class, ZipEntryBody.class);
        configuration.jobIdSet().forEach(this::addJob);
        healthCheck = new HarvestHealthCheck(this);
        HealthCheckRegistry.get(getEndpoint().getCamelContext()).register(healthCheck);
        metrics = HarvestMetrics.bind(this);
        jobWorkers = executors.newFixedThreadPool(this, "job-outputs-jobs-" + getRouteId(),
                configuration.getConcurrentJobs());
        statusWorkers = executors.newFixedThreadPool(this, "job-outputs-status-" + getRouteId(), STATUS_CHECKS);
        if (configuration.getConcurrentDownloads() > 1) {
            // Lanes of several jobs at once: concurrentJobs x concurrentDownloads threads at most, none waiting for
            // another job's stalled lane.
            downloads = executors.newCachedThreadPool(this, "job-outputs-" + getRouteId());
        }
        lanes = new BatchLanes(configuration.getConcurrentDownloads(), downloads);
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
        inFlight.cutAll();
        ExecutorServiceManager executors = getEndpoint().getCamelContext().getExecutorServiceManager();
        // Not shutdown(): it waits up to 10 s per pool for lanes that may be stuck writing to a frozen sink, which only
        // the sink's own stop, after this one, unblocks.
        Stream.of(statusWorkers, jobWorkers, downloads, renewals, transfers).filter(Objects::nonNull)
                .forEach(executors::shutdownNow);
        statusWorkers = null;
        jobWorkers = null;
        downloads = null;
        renewals = null;
        transfers = null;
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
        int count = 0;
        try {
            watch.catchUp();
            if (discovery != null && watch.turn("discover")) {
                discover();
            }
            watch.listStates();
            count = checkDueJobs();
        } catch (LedgerFailureException e) {
            LOG.warn("{}: {} (tried again at the next poll)", getRouteId(), e.getMessage());
        }
        String notRecorded = records.takeUnrecorded();
        if (notRecorded != null) {
            LOG.warn("{}: files went to the sink but are not recorded, so they will be delivered again: {}",
                    getRouteId(), notRecorded);
        }
        return count;
    }

    private Duration pollDelay() {
        return Duration.ofMillis(getDelay());
    }

    /**
     * Asks the jobs that are due for their states, a few dozen at a time on the status workers, until none is due:
     * a job not due is not asked, and with a shared schedule each due job is asked by one instance.
     */
    private int checkDueJobs() throws InterruptedException {
        int count = 0;
        while (isRunAllowed() && !sinkOutage.coolingDown()) {
            handedBack.set(0);
            List<JobSchedule.Due> due = watch.due(DUE_AT_ONCE);
            CountDownLatch turns = new CountDownLatch(due.size());
            for (JobSchedule.Due handed : due) {
                TrackedJob job = jobs.compute(handed.jobId(), (id, known) -> known == null
                        || known.phase().isFinished() && known.harvestedReversibly() == null
                        ? new TrackedJob(id, handed.jobKey()) : known);
                if (!inFlight.anyOf(job) && busy.add(job.jobId) && inTurn(statusWorkers, job, () -> {
                    try {
                        check(job);
                    } finally {
                        turns.countDown();
                    }
                })) {
                    count++;
                } else {
                    turns.countDown();
                }
            }
            while (!turns.await(1, TimeUnit.SECONDS)) {
                if (!isRunAllowed()) {
                    return count;
                }
            }
            if (due.size() < DUE_AT_ONCE || handedBack.get() == due.size()) {
                break;
            }
        }
        return count;
    }

    /**
     * Runs a step of a job's turn on a pool; the job stays busy (no other poll takes it up) until a step ends it.
     * Answers whether the pool took it.
     */
    private boolean inTurn(ExecutorService pool, TrackedJob job, Runnable step) {
        try {
            pool.execute(step);
            return true;
        } catch (RejectedExecutionException stopping) {
            busy.remove(job.jobId);
            return false;
        }
    }

    /**
     * A job's turn, on a status worker: its state asked; once it ended in a state that is harvested, its files are
     * harvested on a job worker.
     */
    private void check(TrackedJob job) {
        AtomicBoolean handedOn = new AtomicBoolean();
        AtomicBoolean handBack = new AtomicBoolean();
        told(job, () -> {
            if (job.harvestedReversibly() != null) {
                watchAfterHarvest(job);
            } else if (!job.harvestedAlready(ledger.completion(job.jobKey), provider.facts().reversibleStates())
                    && harvestable(job)) {
                if (getEndpoint().getComponent().isLedgerShared()
                        && harvesting.get() >= configuration.getConcurrentJobs()) {
                    // Queued here it would wait for this instance's workers while another instance's are free.
                    handBack.set(true);
                    handedBack.incrementAndGet();
                    return;
                }
                harvesting.incrementAndGet();
                handedOn.set(inTurn(jobWorkers, job, () -> harvestOnJobWorker(job)));
                if (!handedOn.get()) {
                    harvesting.decrementAndGet();
                }
            } else {
                job.answered();
            }
        });
        if (!handedOn.get()) {
            endTurn(job, handBack.get());
        }
    }

    private void harvestOnJobWorker(TrackedJob job) {
        told(job, () -> {
            harvest(job);
            job.answered();
        });
        harvesting.decrementAndGet();
        endTurn(job, false);
    }

    /**
     * The job's turn is over: the schedule is told when it is due next, and the job is free for its next turn.
     *
     * @param handBack whether the job is due at once, for whichever instance has a job worker free
     */
    private void endTurn(TrackedJob turned, boolean handBack) {
        try {
            watch.turnEnded(jobs.getOrDefault(turned.jobId, turned), handBack);
        } finally {
            busy.remove(turned.jobId);
        }
    }

    /** Runs a step of a job's turn; a failure is told, and an error answer counts toward giving the job up. */
    private void told(TrackedJob job, ThrowingRunnable<Exception> step) {
        try {
            step.run();
        } catch (ProviderException e) {
            platformError(job, e);
        } catch (Exception e) {
            LOG.warn("{} (will try again at the next poll)", e.getMessage());
        }
    }

    private boolean takesFiles() {
        return isBatchAllowed() && !paused && ledger.writeFailure() == null && !sinkOutage.coolingDown();
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
        } else if (job.errorAnswered(configuration.getMaxJobErrors())) {
            LOG.error("{} (given up after {} errors in a row; add the job again once the platform answers)",
                    e.getMessage(), job.errorsInARow());
        } else {
            LOG.warn("{} (error {} in a row; will try again at the next poll)", e.getMessage(), job.errorsInARow());
        }
    }

    /**
     * Harvests what is undelivered of a job in a harvestable state, under a lease on it (another instance sharing the
     * ledger may hold it: then the job is left to it).
     */
    private void harvest(TrackedJob job) throws Exception {
        Optional<Lease> claimed = ledger.claim(job.jobKey);
        if (claimed.isEmpty()) {
            LOG.debug("{} job {} is being harvested by another instance", provider.name(), job.jobId);
            return;
        }
        Lease lease = claimed.get();
        leases.put(job.jobKey, lease);
        try {
            Optional<Ledger.Completion> done = ledger.completion(job.jobKey);
            if (job.harvestedAlready(done, provider.facts().reversibleStates())) {
                // Another instance finished it between the look at the ledger and the claim.
                return;
            }
            if (done.isPresent()) {
                // The record of an earlier run, whose state the platform took the job back from: this run is
                // harvested anew, every file of it.
                ledger.forgetJob(job.jobKey);
            }
            harvestPages(job);
        } finally {
            leases.remove(job.jobKey, lease);
            lease.release();
        }
    }

    /**
     * Asks the state of a job harvested in a state its platform can take it back from; once it has, the job is tracked
     * anew as its next run, which is harvested when it ends (its manifest says which run it describes).
     */
    private void watchAfterHarvest(TrackedJob job) throws IOException {
        JobStatus status = provider.status(job.jobId);
        if (status.providerState().equals(job.harvestedReversibly())) {
            return;
        }
        int run = ledger.completion(job.jobKey).map(Ledger.Completion::run).orElse(job.run) + 1;
        LOG.info("{} job {} left '{}', the state it was harvested in, for '{}': watching it as its run {}",
                provider.name(), job.jobId, job.harvestedReversibly(), status.providerState(), run);
        jobs.put(job.jobId, new TrackedJob(job.jobId, job.jobKey, run));
    }

    /** Checks the job's state; answers whether its outputs are to be harvested now. */
    private boolean harvestable(TrackedJob job) throws IOException {
        if (!job.needsStatus()) {
            return true;
        }
        JobStatus status = provider.status(job.jobId);
        boolean changed = job.stateChanged(status);
        if (changed) {
            LOG.info("{} job {} is {}", provider.name(), job.jobId, status.providerState());
        }
        Verdict verdict = job.seen(status, getEndpoint().harvestStates(), provider.facts().reversibleStates());
        switch (verdict) {
            case HARVEST -> LOG.info("{} job {} ended '{}': harvesting its outputs", provider.name(), job.jobId,
                    status.providerState());
            case WATCH -> {
                if (changed) {
                    LOG.info("{} job {} ended '{}': not harvested, but still watched: it can be retried",
                            provider.name(), job.jobId, status.providerState());
                }
            }
            case NOT_HARVESTED -> LOG.info("{} job {} ended '{}': not harvested (harvestStates={})", provider.name(),
                    job.jobId, status.providerState(), getEndpoint().harvestStates());
            case WAIT -> {
            }
        }
        return verdict == Verdict.HARVEST;
    }

    /** Harvests the job's pages in turn, then its manifest once every file is in. */
    private void harvestPages(TrackedJob job) throws Exception {
        boolean allIn = true;
        job.progress.newPass();
        String page = null;
        do {
            Optional<OutputPage> listed = provider.outputs(job.jobId, page);
            if (listed.isEmpty()) {
                LOG.info("{} job {} does not hand out its outputs yet; waiting", provider.name(), job.jobId);
                return;
            }
            listed.get().unavailable().forEach(file -> records.unavailable(job, file.sourcePath(), file.reason()));
            Map<String, OutputFile> listedFiles = sinkPaths(job, listed.get().files());
            // The ledger is asked once for the page before its batch and once after, not once per file and question.
            Map<String, Kind> recorded = ledger.recorded(job.jobKey, listedFiles.keySet());
            Queue<Object> batch = new LinkedList<>();
            List<String> sent = new ArrayList<>();
            for (Map.Entry<String, OutputFile> listedFile : listedFiles.entrySet()) {
                String path = listedFile.getKey();
                OutputFile file = listedFile.getValue();
                job.progress.listed(file.size(), recorded.containsKey(path));
                if (recorded.containsKey(path)) {
                    continue;
                }
                String refusal = getEndpoint().downloadPolicy().refusal(file.origin());
                if (refusal != null) {
                    records.refuse(job, file.path(), "its location " + Redact.url(file.location()) + " is refused: "
                            + refusal);
                    continue;
                }
                if (configuration.isUnpackArchives() && path.toLowerCase(Locale.ROOT).endsWith(".zip")) {
                    unpack(job, path, file);
                } else {
                    // Made when its turn comes: a page of 20,000 files must not hold 20,000 exchanges at once.
                    batch.add((Supplier<Exchange>) () -> fileExchange(job, path, file));
                }
                sent.add(path);
            }
            if (listed.get().next() == null) {
                job.progress.listingComplete();
            }
            processBatch(batch);
            ledger.sync();
            recorded = ledger.recorded(job.jobKey, listedFiles.keySet());
            allIn &= recorded.keySet().containsAll(sent);
            page = listed.get().next();
        } while (page != null && takesFiles() && holds(job));
        // A job whose lease was lost meanwhile is another instance's to finish, manifest included. Held, nobody else
        // can have completed it: completing is fenced by the lease, and harvest() looked after claiming.
        if (page != null || !allIn || inFlight.anyOf(job) || !isRunAllowed() || !takesFiles() || !holds(job)) {
            return;
        }
        // Listed files, entries of an archive it listed, and its manifest alike.
        if (ledger.countFiles(job.jobKey, Kind.PARKED) > 0) {
            job.parked();
            LOG.warn("{} job {}: every file is delivered but the parked ones; the manifest waits for them (JMX"
                    + " retryParkedFiles)", provider.name(), job.jobId);
            return;
        }
        Queue<Object> manifest = new LinkedList<>();
        manifest.add(manifestExchange(job));
        processBatch(manifest);
    }

    /**
     * The page's files by their paths in the sink; a file whose name is refused is recorded so, and left out. The
     * page's folders are reserved first, so a file named as one of them is renamed whichever comes first.
     */
    private Map<String, OutputFile> sinkPaths(TrackedJob job, List<OutputFile> files) {
        List<Map.Entry<String, OutputFile>> relative = new ArrayList<>();
        for (OutputFile file : files) {
            try {
                relative.add(Map.entry(SinkNames.relativePath(file.path()), file));
            } catch (IllegalArgumentException e) {
                records.refuse(job, file.path(), e.getMessage());
            }
        }
        CaseInsensitiveNames names = new CaseInsensitiveNames()
                .reserveFoldersOf(relative.stream().map(Map.Entry::getKey).toList());
        Map<String, OutputFile> byPath = new LinkedHashMap<>();
        for (Map.Entry<String, OutputFile> file : relative) {
            byPath.put(names.claim(file.getKey(), file.getValue().path()), file.getValue());
        }
        return byPath;
    }

    /** The file's path in the sink, or null when its name is refused (the refusal is recorded for the manifest). */
    private String sinkPath(TrackedJob job, CaseInsensitiveNames names, String name, String sourcePath) {
        try {
            return names.claim(SinkNames.relativePath(name), sourcePath);
        } catch (IllegalArgumentException e) {
            records.refuse(job, sourcePath, e.getMessage());
            return null;
        }
    }

    private DownloadStream download(TrackedJob job, String key, OutputFile file) {
        DownloadStream body = new DownloadStream(http, file, key, provider.downloadAuthorization(file),
                stale -> freshLocations.of(job, stale), () -> holds(job), downloadOptions);
        inFlight.add(key, body);
        return body;
    }

    private Exchange fileExchange(TrackedJob job, String path, OutputFile file) {
        String key = job.jobKey + "/" + path;
        DownloadStream body = download(job, key, file);
        Exchange exchange = fileExchange(job, path, file.path(), file.size(), body);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                inFlight.release(key, body);
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
        exchange.getExchangeExtension().addOnCompletion(new FileCompletion(records, sinkOutage, job, path, sourcePath,
                body));
        return exchange;
    }

    /**
     * Streams a ZIP and sends each entry as a file of its own, one at a time (the next entry's bytes follow the
     * previous one's in the same download), within the archive's limits: an entry beyond one is refused, and one that
     * failed counts against itself (so it is parked in the end); either way the rest goes on, unless the sink as a
     * whole failed. Entries already recorded are read past; the archive itself is recorded once every entry is. An
     * archive that cannot be read on (its download broke, its structure is corrupt) counts as a failed attempt of the
     * archive: it is parked, not fetched for ever.
     */
    private void unpack(TrackedJob job, String archivePath, OutputFile file) {
        String archiveKey = job.jobKey + "/" + archivePath;
        DownloadStream archive = download(job, archiveKey, file);
        CaseInsensitiveNames names = new CaseInsensitiveNames();
        ArchiveLimits.Budget budget = configuration.archiveLimits().budget();
        boolean everyEntryIn = true;
        String utf8 = StandardCharsets.UTF_8.name();
        try (ZipArchiveInputStream zip = new ZipArchiveInputStream(archive, utf8, true, true)) {
            for (ZipArchiveEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                if (!isRunAllowed()) {
                    return;
                }
                String sourcePath = archivePath + "!/" + entry.getName();
                String path = entry.isDirectory() ? null : sinkPath(job, names, entry.getName(), sourcePath);
                if (path == null || ledger.isDelivered(job.jobKey, path)) {
                    continue;
                }
                String refusal = budget.admit();
                if (refusal != null) {
                    records.refuse(job, path, sourcePath, refusal);
                    continue;
                }
                ZipEntryBody body = new ZipEntryBody(zip, entry, budget, job.jobKey + "/" + path, transfers);
                processAndWait(fileExchange(job, path, sourcePath, entry.getSize(), body));
                if (!body.isComplete() && sinkOutage.isOpen()) {
                    return;
                }
                // Refused at a limit, or parked at its last attempt: recorded, so in all the same.
                everyEntryIn &= body.isComplete() || ledger.isDelivered(job.jobKey, path);
            }
            archive.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            if (!sinkOutage.isOpen()) {
                records.record(job, archivePath, () -> records.fileFailed(job, archivePath, file.path(),
                        "unpacking it: " + Failures.describe(e, ": ")));
            }
            return;
        } finally {
            inFlight.release(archiveKey, archive);
        }
        if (!everyEntryIn) {
            return;
        }
        ledger.delivered(new DeliveredFile(job.jobKey, archivePath, Kind.ARCHIVE, archive.bytesRead(),
                archive.sha256(), file.path(), null, Instant.now()));
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
            summary = Manifest.write(provider.name(), job.jobId, job.terminal().providerState(), job.run,
                    job.terminal().outcome(), ledger.fileTotals(job.jobKey),
                    (kind, action) -> ledger.forEachFile(job.jobKey, kind, action), out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(manifest);
            throw e;
        }
        Exchange exchange = createExchange(job, SinkNames.MANIFEST, JobOutputsConstants.KIND_MANIFEST);
        exchange.getIn().setBody(manifest.toFile());
        exchange.getIn().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getExchangeExtension().addOnCompletion(new ManifestCompletion(records, sinkOutage, job, manifest,
                summary));
        return exchange;
    }

    private Exchange createExchange(TrackedJob job, String path, String kind) {
        Exchange exchange = createExchange(true);
        Message in = exchange.getIn();
        in.setHeader(JobOutputsConstants.PROVIDER, provider.name());
        in.setHeader(JobOutputsConstants.JOB_ID, job.jobId);
        in.setHeader(JobOutputsConstants.JOB_STATE, job.terminal().providerState());
        in.setHeader(JobOutputsConstants.PATH, path);
        in.setHeader(JobOutputsConstants.KIND, kind);
        in.setHeader(Exchange.FILE_NAME, job.jobKey + "/" + path);
        return exchange;
    }

    /** Sends the batch through the route's lanes ({@link BatchLanes}), or one lane while the sink is tried again. */
    @Override
    public int processBatch(Queue<Object> exchanges) throws Exception {
        BatchLanes taking = sinkOutage.isOpen() ? probe : lanes;
        return taking.process(exchanges, this::takesFiles, left -> pendingExchanges = left, this::send);
    }
}

package dev.jobharvester.component;

import dev.jobharvester.common.SinkNames;
import dev.jobharvester.ledger.DeliveredFile.Kind;
import dev.jobharvester.ledger.Lease;
import dev.jobharvester.ledger.Ledger;
import dev.jobharvester.provider.ApiStatus;
import dev.jobharvester.provider.JobProvider;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Processor;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedOperation;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.support.ScheduledBatchPollingConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The harvesting consumer as operators see it over JMX (its MBean is the consumer's own, {@code type=consumers}), and
 * the state it shows: the tracked jobs, the figures, the downloads in flight, the leases held. {@link
 * JobOutputsConsumer} does the harvesting.
 */
@ManagedResource(description = "Harvests the outputs of finished jobs")
public abstract class ManagedJobOutputsConsumer extends ScheduledBatchPollingConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(ManagedJobOutputsConsumer.class);

    protected final JobProvider provider;
    protected final Map<String, TrackedJob> jobs = new ConcurrentHashMap<>();
    protected final HarvestStatistics statistics = new HarvestStatistics();
    protected final InFlightDownloads inFlight = new InFlightDownloads(statistics);
    /** The leases on the jobs this consumer harvests right now, by job key. */
    protected final Map<String, Lease> leases = new ConcurrentHashMap<>();
    protected Ledger ledger;
    protected JobWatch watch;
    protected SinkOutage sinkOutage;
    protected volatile boolean paused;

    protected ManagedJobOutputsConsumer(JobOutputsEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.provider = endpoint.provider();
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
            watch.watch(jobs.get(id));
            LOG.info("{} job {} found: watching it until it ends", provider.name(), id);
        }
        return added;
    }

    @ManagedOperation(description = "Forgets what was delivered of a job and harvests it again, over the files in the"
            + " sink; false if the job was never harvested")
    public boolean harvestAgain(String jobId) {
        String id = jobId == null ? "" : jobId.trim();
        TrackedJob old = jobs.get(id);
        if (old != null && inFlight.anyOf(old)) {
            throw new IllegalStateException(provider.name() + " job " + id + " is being harvested right now; ask again"
                    + " once its files in flight are done");
        }
        String jobKey = SinkNames.jobKey(provider.name(), id);
        if (!ledger.forgetJob(jobKey) && old == null) {
            return false;
        }
        jobs.put(id, new TrackedJob(id, jobKey));
        watch.watch(jobs.get(id));
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
                job.retryParked();
                watch.watch(job);
                count += retried;
            }
        }
        LOG.info("{}: {} parked files will be tried again", provider.name(), count);
        return count;
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
        return jobs.values().stream().filter(j -> j.phase().isFinished()).count();
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
        return jobs.values().stream().filter(j -> j.phase() == phase).count();
    }

    /** Where a tracked job is, or null when it is not tracked. */
    public JobPhase jobPhase(String jobId) {
        TrackedJob job = jobs.get(jobId);
        return job == null ? null : job.phase();
    }

    /** Whether the platform told the job's state in this run. */
    public boolean isJobSeen(String jobId) {
        TrackedJob job = jobs.get(jobId);
        return job != null && job.lastState() != null;
    }

    @ManagedAttribute(description = "Each tracked job: its id, where it is, and the platform's last word on it")
    public List<String> getJobs() {
        return jobs.values().stream().map(j -> j.jobId + ": " + j.phase().name().toLowerCase(Locale.ROOT)
                + (j.lastState() == null ? "" : " (" + j.lastState() + ")")).sorted().toList();
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
        return inFlight.running();
    }

    @ManagedAttribute(description = "Each download running now and how far it is")
    public List<String> getTransfers() {
        return inFlight.transfers();
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

    /** Whether the platform's API answered its last call, and since when it answers or fails. */
    public ApiStatus apiStatus() {
        return provider.api().status();
    }

    /** Why the sink fails as a whole, or null while it takes deliveries. */
    String sinkOutage() {
        return sinkOutage == null ? null : sinkOutage.describe();
    }

    HarvestStatistics statistics() {
        return statistics;
    }

    /** Why the ledger cannot be written now, or null: while it cannot, no new file is taken. */
    String ledgerFailure() {
        return ledger == null ? null : ledger.writeFailure();
    }

    /**
     * Why the pipeline cannot go on now, or null while it can: its ledger cannot be written, its platform's API does
     * not answer, or its sink fails as a whole. Readiness is down meanwhile.
     */
    public String stalled() {
        String ledgerFailure = ledgerFailure();
        if (ledgerFailure != null) {
            return ledgerFailure + "; no new files are taken until it can be written";
        }
        ApiStatus api = apiStatus();
        if (!api.answering()) {
            return getProvider() + " API does not answer: " + api.lastFailure();
        }
        return sinkOutage();
    }

    private static String text(Instant instant) {
        return instant == null ? "" : instant.toString();
    }
}

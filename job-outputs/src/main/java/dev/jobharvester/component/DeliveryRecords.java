package dev.jobharvester.component;

import dev.jobharvester.common.CaseInsensitiveNames;
import dev.jobharvester.common.SinkNames;
import dev.jobharvester.download.Progress;
import dev.jobharvester.download.VerifiedBody;
import dev.jobharvester.ledger.DeliveredFile;
import dev.jobharvester.ledger.DeliveredFile.Kind;
import dev.jobharvester.ledger.LeaseLostException;
import dev.jobharvester.ledger.Ledger;
import dev.jobharvester.ledger.LedgerFailureException;
import dev.jobharvester.ledger.Manifest;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger writes that follow the sink's answer: a file delivered, skipped, refused, failed or parked, a job
 * complete. A write refused (the lease was lost) is logged; one that failed (a full disk, a database down) is kept to
 * be told once at the end of the poll, saying what happens next.
 */
final class DeliveryRecords {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryRecords.class);
    /**
     * Where a refused manifest is counted and parked like a file (the manifest's own key stands for the whole job): no
     * listed file is given a name under it ({@link CaseInsensitiveNames}).
     */
    static final String PARKED_MANIFEST = SinkNames.PARKED + "/" + SinkNames.MANIFEST;

    private final String provider;
    private final Ledger ledger;
    private final HarvestStatistics statistics;
    private final int maxFileAttempts;
    private final long progressIntervalNanos;
    /** Why files that went to the sink in this poll could not be recorded (the last reason). */
    private final AtomicReference<String> unrecorded = new AtomicReference<>();

    /** @param progressInterval how often a job still being harvested logs how far it is, in milliseconds */
    DeliveryRecords(String provider, Ledger ledger, HarvestStatistics statistics, int maxFileAttempts,
            long progressInterval) {
        this.provider = provider;
        this.ledger = ledger;
        this.statistics = statistics;
        this.maxFileAttempts = maxFileAttempts;
        this.progressIntervalNanos = progressInterval * 1_000_000;
    }

    /** Runs a write after the sink is done with a file (see the class). */
    void record(TrackedJob job, String path, Runnable write) {
        try {
            write.run();
        } catch (LeaseLostException e) {
            LOG.warn("{} ({} went to the sink all the same)", e.getMessage(), path);
        } catch (LedgerFailureException e) {
            LOG.debug("{}/{} is in the sink but not recorded: {}", job.jobKey, path, e.getMessage());
            unrecorded.set(e.getMessage());
        }
    }

    /** Why files went to the sink unrecorded since the last call, or null; the reason is told once. */
    String takeUnrecorded() {
        return unrecorded.getAndSet(null);
    }

    /** The route is done with a file: recorded as delivered when it read it whole, as skipped when it never read it. */
    void delivered(TrackedJob job, String path, String sourcePath, VerifiedBody body) {
        if (body.isComplete()) {
            ledger.delivered(DeliveredFile.file(job.jobKey, path, body.bytesRead(), body.sha256(), sourcePath));
            statistics.delivered(body.bytesRead());
            job.progress.delivered(body.bytesRead());
            if (job.progress.due(progressIntervalNanos)) {
                LOG.info("{} job {}: {} delivered", provider, job.jobId, job.progress.describe());
            }
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

    /** Records a file that is not delivered on purpose, once, for the manifest's list of refused files. */
    void refuse(TrackedJob job, String sourcePath, String reason) {
        refuse(job, SinkNames.REFUSED + "/" + SinkNames.segment(sourcePath), sourcePath, reason);
    }

    /** Records a listed file its platform offers no bytes for, once, for the manifest. */
    void unavailable(TrackedJob job, String sourcePath, String reason) {
        recordOnce(job, SinkNames.UNAVAILABLE + "/" + SinkNames.segment(sourcePath), Kind.UNAVAILABLE, sourcePath,
                reason);
    }

    /** @param key the refused file's place in the ledger: its sink path, or a made-up one when it has none */
    void refuse(TrackedJob job, String key, String sourcePath, String reason) {
        if (recordOnce(job, key, Kind.REFUSED, sourcePath, reason)) {
            LOG.warn("{} job {}: output {} refused, {}", provider, job.jobId, SinkNames.printable(sourcePath), reason);
        }
    }

    /** Records a file that is not delivered, with why, unless it is recorded already; answers whether it was not. */
    private boolean recordOnce(TrackedJob job, String key, Kind kind, String sourcePath, String reason) {
        if (ledger.isDelivered(job.jobKey, key)) {
            return false;
        }
        ledger.delivered(new DeliveredFile(job.jobKey, key, kind, -1, null, sourcePath, reason, Instant.now()));
        return true;
    }

    /**
     * A file whose own delivery failed (its download, or the sink refused it by its name or place): tried again at the
     * next poll, or parked once it has failed too often.
     */
    void fileFailed(TrackedJob job, String path, String sourcePath, String reason) {
        int failures = job.fileFailures.merge(path, 1, Integer::sum);
        if (maxFileAttempts > 0 && failures >= maxFileAttempts) {
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

    /**
     * The sink as a whole refused a delivery ({@link SinkOutage} tells it): tried again once the sink takes deliveries,
     * without counting against the file.
     *
     * @param fetchedAgain whether the retry fetches the file again from its platform (a manifest is not fetched)
     */
    void sinkFailed(TrackedJob job, String path, String cause, boolean fetchedAgain) {
        statistics.sinkFailed(cause);
        if (fetchedAgain) {
            statistics.retried(1);
        }
        LOG.debug("{}/{} not delivered, the sink fails: {}", job.jobKey, path, cause);
    }

    /** The manifest is in the sink: the job is complete, durably, before anyone is told. */
    void jobComplete(TrackedJob job, Manifest.Summary summary) {
        ledger.jobComplete(job.jobKey, new Ledger.Completion(job.terminal().providerState(), job.run));
        ledger.sync();
        job.harvested();
        statistics.deliveredToSink();
        long elapsed = job.harvestNanos();
        long files = job.progress.filesThisRun();
        String thisRun = files == summary.files() ? ""
                : String.format(Locale.ROOT, " (%,d of them in earlier runs)", summary.files() - files);
        LOG.info("{} job {} harvested: {} files, {}{}; this run {} files in {} s at {}{}; manifest delivered", provider,
                job.jobId, String.format(Locale.ROOT, "%,d", summary.files()), Progress.bytes(summary.bytes()), thisRun,
                String.format(Locale.ROOT, "%,d", files), String.format(Locale.ROOT, "%.1f", elapsed / 1e9),
                Progress.rate(job.progress.bytesThisRun(), elapsed),
                summary.others() == 0 ? "" : " (" + summary.others() + " refused or skipped, see the manifest)");
    }
}

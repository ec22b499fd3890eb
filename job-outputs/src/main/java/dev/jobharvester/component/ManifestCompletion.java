package dev.jobharvester.component;

import dev.jobharvester.common.SinkNames;
import dev.jobharvester.ledger.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What follows the route's answer on a job's manifest: the job complete, or tried again; its spool file goes. */
final class ManifestCompletion extends SynchronizationAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ManifestCompletion.class);

    private final DeliveryRecords records;
    private final SinkOutage outage;
    private final long outageTicket;
    private final TrackedJob job;
    private final Path spooled;
    private final Manifest.Summary summary;

    ManifestCompletion(DeliveryRecords records, SinkOutage outage, TrackedJob job, Path spooled,
            Manifest.Summary summary) {
        this.records = records;
        this.outage = outage;
        this.outageTicket = outage.ticket();
        this.job = job;
        this.spooled = spooled;
        this.summary = summary;
    }

    @Override
    public void onComplete(Exchange done) {
        deleteSpooled();
        outage.succeeded(outageTicket);
        records.record(job, SinkNames.MANIFEST, () -> records.jobComplete(job, summary));
    }

    @Override
    public void onFailure(Exchange failed) {
        String cause = FileCompletion.cause(failed);
        if (outage.failedAsWhole(failed.getException(), cause, outageTicket)) {
            records.sinkFailed(job, SinkNames.MANIFEST, cause, false);
        } else {
            // Refused for itself (a folder of somebody's has its name): tried again, then parked like a file.
            records.record(job, DeliveryRecords.PARKED_MANIFEST, () -> records.fileFailed(job,
                    DeliveryRecords.PARKED_MANIFEST, SinkNames.MANIFEST, "the manifest was refused: " + cause));
        }
        deleteSpooled();
    }

    private void deleteSpooled() {
        try {
            Files.deleteIfExists(spooled);
        } catch (IOException e) {
            LOG.warn("cannot delete the spool file {}: {}", spooled, e.getMessage());
        }
    }
}

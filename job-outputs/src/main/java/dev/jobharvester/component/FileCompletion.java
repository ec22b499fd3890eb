package dev.jobharvester.component;

import dev.jobharvester.common.Failures;
import dev.jobharvester.download.ArchiveLimitException;
import dev.jobharvester.download.VerifiedBody;
import dev.jobharvester.durability.LinkRefusedException;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * What follows the route's answer on one file: recorded when the route succeeded; on a failure, refused (a link in
 * the sink, an archive entry beyond a limit), only tried again once the sink is back (the sink failed as a whole,
 * {@link SinkOutage}) or counted against the file (its download failed, or the sink refused this one file).
 */
final class FileCompletion extends SynchronizationAdapter {

    private final DeliveryRecords records;
    private final SinkOutage outage;
    private final long outageTicket;
    private final TrackedJob job;
    private final String path;
    private final String sourcePath;
    private final VerifiedBody body;

    FileCompletion(DeliveryRecords records, SinkOutage outage, TrackedJob job, String path, String sourcePath,
            VerifiedBody body) {
        this.records = records;
        this.outage = outage;
        this.outageTicket = outage.ticket();
        this.job = job;
        this.path = path;
        this.sourcePath = sourcePath;
        this.body = body;
    }

    @Override
    public void onComplete(Exchange done) {
        outage.succeeded(outageTicket);
        // The ledger syncs records in the background as they come; a batch's end and a manifest wait for it.
        records.record(job, path, () -> records.delivered(job, path, sourcePath, body));
    }

    @Override
    public void onFailure(Exchange failed) {
        LinkRefusedException link = failed.getException(LinkRefusedException.class);
        if (link != null) {
            records.record(job, path, () -> records.refuse(job, path, sourcePath, link.getMessage()));
        } else if (body.failure() instanceof ArchiveLimitException limit) {
            records.record(job, path, () -> records.refuse(job, path, sourcePath, limit.getMessage()));
        } else if (body.failure() != null) {
            records.record(job, path, () -> records.fileFailed(job, path, sourcePath, body.failure().getMessage()));
        } else if (outage.failedAsWhole(failed.getException(), cause(failed), outageTicket)) {
            records.sinkFailed(job, path, cause(failed), true);
        } else {
            records.record(job, path, () -> records.fileFailed(job, path, sourcePath, "the sink refused it: "
                    + cause(failed)));
        }
    }

    static String cause(Exchange exchange) {
        Throwable cause = exchange.getException();
        return cause == null ? "the route marked it failed" : Failures.describe(cause, ": ");
    }
}

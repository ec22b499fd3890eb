package dev.jobharvester.ledger;

import java.util.List;
import org.apache.camel.spi.IdempotentRepository;

/**
 * What has been delivered. Keys are sink names, {@code provider/jobId/path}; a file is recorded only after its sink
 * succeeded, and a job is complete once its manifest is in the sink.
 */
public interface Ledger extends IdempotentRepository {

    void delivered(DeliveredFile file);

    /** The files recorded for a job that is not complete yet, in delivery order. */
    List<DeliveredFile> deliveredFiles(String jobKey);

    boolean isDelivered(String jobKey, String path);

    void jobComplete(String jobKey);

    boolean isJobComplete(String jobKey);
}

package dev.jobharvester.ledger;

import dev.jobharvester.ledger.DeliveredFile.Kind;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.camel.Service;

/**
 * What has been delivered. Keys are sink names, {@code provider/jobId/path}; a file is recorded only after its sink
 * succeeded, and a job is complete once its manifest is in the sink.
 */
public interface Ledger extends Service {

    void delivered(DeliveredFile file);

    /**
     * Hands over the records of a job that is not complete yet, of one kind, in path order. They are read as they are
     * handed over, not gathered first: a job of a million files costs no more memory to walk than one of ten.
     */
    void forEachFile(String jobKey, Kind kind, Consumer<DeliveredFile> action);

    /** How many records of a kind a job that is not complete yet has. */
    int countFiles(String jobKey, Kind kind);

    /** The files a job that is not complete yet has delivered, in sum: what its records of kind FILE add up to. */
    FileTotals fileTotals(String jobKey);

    /** Whether the harvester is done with the file: delivered, skipped, refused or parked. */
    boolean isDelivered(String jobKey, String path);

    /**
     * What is recorded of these files of a job that is not complete yet: the kind of each path that has a record (a
     * parked file's job is not complete until it is retried and delivered). One call for a page of files.
     */
    Map<String, Kind> recorded(String jobKey, Collection<String> paths);

    /** Forgets one file of a job that is not complete yet, so that it is fetched again; false if it was not recorded. */
    boolean forgetFile(String jobKey, String path);

    /**
     * A job's harvest, as recorded once its manifest is in the sink.
     *
     * @param state the state the harvest describes, in the platform's spelling; null in records older than it
     * @param run   which harvest of the job: a job its platform took back from that state (a retried job) is harvested
     *              again, as the next run
     */
    record Completion(String state, int run) {
    }

    void jobComplete(String jobKey, Completion completion);

    /** How a complete job was recorded; empty while it is not complete. */
    Optional<Completion> completion(String jobKey);

    /** Forgets everything recorded of a job, complete or not, so that it is harvested again; false if nothing was. */
    boolean forgetJob(String jobKey);

    boolean isJobComplete(String jobKey);

    /** The jobs it holds records of, complete or not, in order. */
    List<String> jobKeys();

    /**
     * Makes every record written so far survive a power cut (a database commits each record by itself). Called before
     * anything is built on the records: a batch's end, a manifest.
     */
    default void sync() {
    }

    /** Why the last write to the ledger failed, or null while records can be written. */
    default String writeFailure() {
        return null;
    }

    /** After a failed write, tries writing again: answers whether records can be written now. */
    default boolean retryWrites() {
        return true;
    }

    /**
     * The schedule of a pipeline's watched jobs of one platform: kept in memory, or shared with the other instances
     * of a shared ledger.
     */
    default JobSchedule schedule(String provider, Intervals intervals) {
        return new LocalJobSchedule(intervals);
    }

    /**
     * Claims a job for this instance before its files are harvested; empty while another instance holds it. Every
     * record of the job this instance writes is checked against the lease: one written after the lease was lost is
     * refused with {@link LeaseLostException}.
     */
    Optional<Lease> claim(String jobKey);
}

package dev.jobharvester.ledger;

/**
 * The right to harvest one job now. With a shared ledger, instances claim a job before they work on it, so each job
 * is harvested by one instance at a time; a lease that is not renewed expires, and another instance takes the job
 * over. With the embedded ledger there is one instance, and a lease is always held.
 */
public interface Lease {

    /** A lease for a ledger no other instance shares: held until released, nothing to renew. */
    static Lease sole() {
        return new Lease() {
            @Override
            public boolean held() {
                return true;
            }

            @Override
            public boolean renew() {
                return true;
            }

            @Override
            public void release() {
                // Nothing is shared: nothing to hand back.
            }
        };
    }

    /**
     * Whether this instance may still deliver the job's files, judged on this machine's monotonic clock without
     * asking the ledger: false once the lease may have expired (the process was paused, say) or was found lost. The
     * ledger checks again when it records a file.
     */
    boolean held();

    /** Extends the lease; false when it was lost: expired and taken, or the ledger cannot be reached. */
    boolean renew();

    /** Hands the job back at once, for any instance to take. */
    void release();
}

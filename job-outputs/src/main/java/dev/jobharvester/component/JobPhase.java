package dev.jobharvester.component;

/** Where a tracked job is, as JMX, metrics and the harvest command show it. */
public enum JobPhase {
    /** Not in a terminal state yet, or not seen yet. */
    WAITING,
    /** Terminal and harvestable: files are being delivered. */
    HARVESTING,
    /** Every file and the manifest are in the sink. */
    HARVESTED,
    /** Every file is in the sink but parked ones; waits for retryParkedFiles. */
    PARKED,
    /** Ended in a state that the route does not harvest. */
    NOT_HARVESTED,
    /** The platform kept answering errors about it; added again, it is tried again. */
    GIVEN_UP;

    public boolean isFinished() {
        return compareTo(HARVESTED) >= 0;
    }
}

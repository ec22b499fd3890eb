package dev.jobharvester.provider;

/** The few states every platform's job states map onto. */
public enum JobState {
    PENDING,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELED;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELED;
    }
}

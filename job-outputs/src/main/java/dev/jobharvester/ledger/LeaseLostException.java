package dev.jobharvester.ledger;

/** A record refused because this instance no longer holds the job's lease: another instance harvests it now. */
public class LeaseLostException extends IllegalStateException {

    public LeaseLostException(String message) {
        super(message);
    }
}

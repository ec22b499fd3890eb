package dev.jobharvester.ledger;

/** The shared ledger's database failed a call (it may be down): nothing more can be recorded or looked up now. */
public class LedgerFailureException extends IllegalStateException {

    public LedgerFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.jobharvester.ledger;

/** The shared ledger's database failed a call (it may be down): nothing more can be recorded or looked up now. */
public class LedgerFailureException extends IllegalStateException {

    private final boolean unreachable;

    public LedgerFailureException(String message, Throwable cause) {
        this(message, cause, false);
    }

    LedgerFailureException(String message, Throwable cause, boolean unreachable) {
        super(message, cause);
        this.unreachable = unreachable;
    }

    /** The call did not reach the database, or its connection broke: not a statement the database refused. */
    public boolean unreachable() {
        return unreachable;
    }
}

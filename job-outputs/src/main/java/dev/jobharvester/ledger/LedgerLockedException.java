package dev.jobharvester.ledger;

/** Another process writes this ledger: a second writer would drop the first one's records at its compaction. */
public class LedgerLockedException extends java.io.IOException {

    public LedgerLockedException(String message) {
        super(message);
    }
}

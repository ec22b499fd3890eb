package dev.jobharvester.ledger;

/** What a ledger's records of kind FILE add up to, read one by one: what its own totals must agree with. */
final class RecordedTotals {

    private RecordedTotals() {
    }

    static FileTotals of(Ledger ledger, String jobKey) {
        FileTotals[] sum = {FileTotals.NONE};
        ledger.forEachFile(jobKey, DeliveredFile.Kind.FILE, file -> sum[0] = sum[0].plus(file.size(),
                file.deliveredAt()));
        return sum[0];
    }
}

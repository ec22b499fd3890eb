package dev.jobharvester.bench;

import static dev.jobharvester.bench.BenchSmokeIT.smoke;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jobharvester.ledger.PostgresDatabase;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * bench/instances.sh, watching.sh and ledger.sh on tiny sizes: each runs its daemons or ledgers on a PostgreSQL server
 * of its own and lands in its results table. No timing is asserted.
 */
class SharedLedgerBenchSmokeIT {

    @Test
    void theInstancesBenchmarkRunsOneTwoAndThreeDaemonsAndWritesItsTable() throws IOException, InterruptedException {
        // The instances benchmark starts a server of its own, from the packages the configured one shows are there.
        PostgresDatabase.serverUrl();
        String results = smoke("instances.sh", "INSTANCES.md");
        for (String row : new String[] {"| 1 |", "| 2 |", "| 3 |"}) {
            assertThat(results).contains(row);
        }
    }

    @Test
    void theWatchingBenchmarkCountsTheCallsOfACrowdOfWaitingJobsAndWritesItsTables()
            throws IOException, InterruptedException {
        PostgresDatabase.serverUrl();
        String results = smoke("watching.sh", "WATCHING.md");
        for (String row : new String[] {"| archetype |", "| tensorpool |", "| 1 |", "| 2 |", "| 3 |"}) {
            assertThat(results).contains(row);
        }
    }

    @Test
    void theLedgerBenchmarkMeasuresRecordsAndTheScheduleAndWritesItsTables() throws IOException, InterruptedException {
        PostgresDatabase.serverUrl();
        String results = smoke("ledger.sh", "LEDGER.md");
        for (String row : new String[] {"| 1 |", "| 2 |", "| 4 |", "hand out 32 due jobs", "take a listing"}) {
            assertThat(results).contains(row);
        }
    }
}

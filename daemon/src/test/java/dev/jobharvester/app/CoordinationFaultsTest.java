package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.ledger.PostgresDatabase;
import dev.jobharvester.ledger.PostgresServer;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of the layer that coordinates several daemons, each in its own process: PostgreSQL stopped and started again
 * in the middle of their harvest, and a rolling restart of three instances while a few hundred jobs are harvested.
 * Each ends with every file and every manifest delivered once, byte for byte (counted by {@link SharedLedgerCluster}).
 */
class CoordinationFaultsTest {

    private static final String NAME = SharedLedgerCluster.NAME;
    private static final Duration WAIT = SharedLedgerCluster.WAIT;
    private static final List<String> INSTANCES = SharedLedgerCluster.THREE;

    /** Kept when a test fails: the daemons' logs say what happened. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    private static void assertFetchedAtMostTwice(Simulator simulator, List<SimJob> jobs) {
        for (SimJob job : jobs) {
            for (SimFile file : job.files()) {
                assertThat(simulator.downloads(NAME, job.id(), file.path())).as("downloads of %s/%s", job.id(),
                        file.path()).isBetween(1L, 2L);
            }
        }
    }

    @Test
    void postgresStoppedAndStartedAgainDuringAHarvestOfThreeInstancesCostsNoDuplicate() throws Exception {
        try (PostgresServer server = PostgresServer.start();
                PostgresDatabase database = PostgresDatabase.create(server.url());
                // The outage (each instance noticing it takes a 5 s connection timeout) is shorter than the leases:
                // no job changes hands meanwhile, so the records kept locally meanwhile are written by their holders.
                SharedLedgerCluster cluster = new SharedLedgerCluster(dir, simulator, database.url(),
                        Duration.ofSeconds(30))) {
            // A second per file: the outage lands in the middle of transfers.
            List<SimJob> jobs = cluster.jobs("tp-pg-", 12, 3, 500_000, 500_000, null);
            cluster.harvestOnAll(jobs, 2, INSTANCES);
            await().atMost(WAIT).until(() -> cluster.deliveryLines().size() >= 6);
            assertThat(cluster.allHarvested(jobs)).as("still harvesting").isFalse();

            server.pause();
            for (String instance : INSTANCES) {
                await().atMost(WAIT).until(() -> Files.readString(cluster.log(instance)).contains("could not be"
                        + " reached"));
            }
            server.resume();
            await().atMost(WAIT).until(() -> cluster.allHarvested(jobs));

            cluster.assertEachDeliveredOnce(jobs);
            assertFetchedAtMostTwice(simulator, jobs);
        }
    }

    @Test
    void aRollingRestartOfThreeInstancesDuringAHarvestOfThreeHundredJobsCostsNoDuplicate() throws Exception {
        try (PostgresDatabase database = PostgresDatabase.create();
                SharedLedgerCluster cluster = new SharedLedgerCluster(dir, simulator, database.url(),
                        Duration.ofSeconds(3))) {
            // Half a second to 3.5 s per job (50-349 KB at 100 KB/s): a minute of transfers or more, which the three
            // restarts (about ten seconds each, slower on a loaded machine) end well within: the harvest ended 38 s
            // after them here. At twice the rate it ended 9.5 s after, and once before them beside other tests.
            List<SimJob> jobs = cluster.jobs("tp-roll-", 300, 1, 50_000, 100_000, null);
            cluster.harvestOnAll(jobs, 2, INSTANCES);
            for (String instance : INSTANCES) {
                DaemonProcess restarted = cluster.running(instance);
                assertThat(restarted.terminate(Duration.ofSeconds(30))).as("exit code of %s after SIGTERM", instance)
                        .isEqualTo(143);
                cluster.start(instance);
                cluster.awaitStarted(instance, 2);
            }
            assertThat(cluster.allHarvested(jobs)).as("still harvesting after the restarts").isFalse();
            await().atMost(WAIT).until(() -> cluster.allHarvested(jobs));

            cluster.assertEachDeliveredOnce(jobs);
            assertFetchedAtMostTwice(simulator, jobs);
        }
    }
}

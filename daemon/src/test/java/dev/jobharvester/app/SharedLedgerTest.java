package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.ledger.PostgresDatabase;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.RequestLog;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several daemons, each in its own process, share one pipeline through a PostgreSQL ledger: the jobs are spread
 * across them, each file is delivered once, and a daemon killed or frozen in the middle of a job loses nothing and
 * duplicates nothing. Every delivery is counted ({@link SharedLedgerCluster}).
 */
class SharedLedgerTest {

    private static final String NAME = SharedLedgerCluster.NAME;
    private static final Duration WAIT = SharedLedgerCluster.WAIT;

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();
    private PostgresDatabase database;
    private SharedLedgerCluster cluster;

    @BeforeEach
    void createDatabase() throws Exception {
        database = PostgresDatabase.create();
        cluster = new SharedLedgerCluster(dir, simulator, database.url(), Duration.ofSeconds(3));
    }

    @AfterEach
    void stopAll() throws Exception {
        cluster.close();
        database.close();
    }

    /**
     * Three instances watch twenty waiting jobs as one would: each job's status calls come at least a poll delay
     * apart, whichever instance makes them, and back off while the state stays. Then the jobs end and are harvested,
     * each file once.
     */
    @Test
    void threeInstancesAskEachWaitingJobAsOneInstanceWould() throws Exception {
        List<SimJob> jobs = cluster.jobs("tp-watched-", 20, 1, 1_000, 10_000_000, null);
        cluster.writeRoute(jobs, 2);
        cluster.startAll(SharedLedgerCluster.THREE);
        Instant allUp = Instant.now();
        await().atMost(WAIT).until(() -> jobs.stream().allMatch(job -> statusCalls(job, allUp).size() >= 6));
        for (SimJob job : jobs) {
            List<Instant> calls = statusCalls(job, allUp);
            for (int i = 1; i < calls.size(); i++) {
                assertThat(Duration.between(calls.get(i - 1), calls.get(i))).as("between status calls %d and %d about"
                        + " %s, of %s", i - 1, i, job.id(), calls).isGreaterThanOrEqualTo(Duration.ofMillis(90));
            }
            assertThat(Duration.between(calls.get(calls.size() - 2), calls.get(calls.size() - 1)))
                    .as("backed off: %s", calls).isGreaterThanOrEqualTo(Duration.ofMillis(700));
        }
        jobs.forEach(job -> job.script().advance());
        await().atMost(WAIT).until(() -> cluster.allHarvested(jobs));
        cluster.assertEachDeliveredOnce(jobs);
    }

    private List<Instant> statusCalls(SimJob job, Instant since) {
        return simulator.requests().matching(e -> e.path().equals("/tensorpool/job/info/" + job.id())
                && !e.at().isBefore(since)).stream().map(RequestLog.Entry::at).sorted().toList();
    }

    @Test
    void threeInstancesShareThirtyJobsAndDeliverEachFileOnce() throws Exception {
        // A second per job: each instance harvests four side by side, so quicker jobs could all be gone before the
        // last instance to poll claims one.
        List<SimJob> jobs = cluster.jobs("tp-shared-", 30, 3, 200_000, 200_000, null);
        List<String> instances = SharedLedgerCluster.THREE;
        cluster.harvestOnAll(jobs, 3, instances);
        await().atMost(WAIT).until(() -> cluster.allHarvested(jobs));

        cluster.assertEachDeliveredOnce(jobs);
        for (SimJob job : jobs) {
            Delivered.assertEachDownloadedOnce(simulator, NAME, job);
        }
        Map<String, Long> jobsPerInstance = database.rows("SELECT owner FROM harvest_jobs").stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(jobsPerInstance.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(30);
        assertThat(jobsPerInstance).as("jobs harvested by each instance").containsOnlyKeys(instances);
        assertThat(jobsPerInstance.values()).as("jobs harvested by each instance: %s", jobsPerInstance)
                .allMatch(n -> n >= 3);
        for (String instance : instances) {
            assertThat(Files.readString(cluster.log(instance))).contains("postgresql")
                    .doesNotContain(SharedLedgerCluster.LEDGER_PASSWORD);
        }
    }

    @Test
    void aKilledInstancesJobIsFinishedByAnotherOnceItsLeaseExpires() throws Exception {
        // Each file takes a second: the kill lands in the middle of a job.
        List<SimJob> jobs = cluster.jobs("tp-kill-", 4, 6, 1_000_000, 1_000_000, JobScript.always("completed"));
        cluster.writeRoute(jobs, 2);
        DaemonProcess victim = cluster.start("victim");
        cluster.awaitStarted("victim");
        // Killed once the first two files (downloaded side by side) are recorded: the next two are a second away from
        // their end, so the kill lands in the middle of their transfers.
        // The tables appear at the victim's first poll.
        await().ignoreExceptions().atMost(WAIT).until(() -> database.rows(
                "SELECT job_key FROM harvest_files WHERE owner = 'victim'").size() >= 2);
        String job = database.rows("SELECT job_key FROM harvest_files WHERE owner = 'victim'").get(0).split("/")[1];
        assertThat(Delivered.manifestPresent(NAME, cluster.output(), simulator.job(NAME, job))).as("still harvesting").isFalse();
        victim.kill();
        Set<String> recordedByVictim = Set.copyOf(database.rows(
                "SELECT job_key || '/' || path FROM harvest_files WHERE owner = 'victim'"));
        cluster.start("survivor-1");
        cluster.start("survivor-2");
        await().atMost(WAIT).until(() -> cluster.allHarvested(jobs));

        // A file the victim delivered and the kill kept from its record is delivered again (README, "Exactly once"):
        // once more, by a survivor; a file it recorded, never.
        cluster.assertEachDeliveredOnce(jobs, instances -> instances.size() == 2
                && instances.get(0).equals("victim") && !instances.get(1).equals("victim"));
        assertThat(cluster.repeatedDeliveries()).as("delivered again though the victim recorded them")
                .doesNotContainAnyElementsOf(recordedByVictim)
                .as("delivered again: at most one per lane in flight at the kill").hasSizeLessThanOrEqualTo(4 * 2);
        long downloads = 0;
        for (SimJob each : jobs) {
            for (SimFile file : each.files()) {
                long count = simulator.downloads(NAME, each.id(), file.path());
                assertThat(count).as("downloads of %s/%s", each.id(), file.path()).isBetween(1L, 2L);
                downloads += count;
            }
        }
        // In flight at the kill: two lanes of each job, the four harvested side by side (concurrentJobs, 4); per lane,
        // the file it downloads and the one it finished whose record the kill may have beaten.
        assertThat(downloads).as("the kill costs at most the files in flight").isLessThanOrEqualTo(4 * 6 + 4 * 2 * 2);
        assertThat(database.rows("SELECT owner FROM harvest_jobs WHERE job_key = 'tensorpool/" + job + "'"))
                .as("the killed instance's job").singleElement().isNotEqualTo("victim");
        assertThat(database.rows("SELECT fence FROM harvest_leases WHERE job_key = 'tensorpool/" + job + "'"))
                .as("claims of the killed instance's job: its own, then the one that took it over").singleElement()
                .satisfies(fence -> assertThat(Long.parseLong(fence)).isGreaterThanOrEqualTo(2));
    }

    @Test
    void anInstanceFrozenPastItsLeaseDeliversNothingTwiceWhenItWakesUp() throws Exception {
        SimFile slow = SimFile.of("model/weights.bin", 6_000_000).throttle(1_000_000);
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-frozen", JobScript.always("completed"),
                SimFile.of("config.json", 2_000), slow));
        cluster.writeRoute(List.of(job), 2);
        DaemonProcess frozen = cluster.start("frozen");
        cluster.awaitStarted("frozen");
        await().atMost(WAIT).until(() -> slow.bytesServed() > 1_000_000);
        frozen.pause();
        DaemonProcess other = cluster.start("other");
        await().atMost(WAIT).until(() -> Delivered.manifestPresent(NAME, cluster.output(), job));
        frozen.resume();
        Path frozenLog = cluster.log("frozen");
        await().atMost(WAIT).until(() -> Files.readString(frozenLog).contains("lost its lease"));

        cluster.assertEachDeliveredOnce(List.of(job));
        assertThat(cluster.deliveryLines()).as("the weights delivered by the instance that took the job over")
                .anyMatch(l -> l[0].endsWith(slow.path()) && l[1].equals("other"));
        assertThat(database.rows("SELECT owner FROM harvest_jobs")).containsExactly("other");
        assertThat(other.isAlive()).isTrue();
    }
}

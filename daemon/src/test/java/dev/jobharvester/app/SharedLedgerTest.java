package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.ledger.PostgresDatabase;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.RequestLog;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * duplicates nothing. Every delivery is counted: the test's pipeline appends a line per file it delivered to a log.
 */
class SharedLedgerTest {

    private static final String NAME = TensorPoolApi.NAME;
    private static final Duration LEASE = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(120);
    /** The test server trusts every login, so the password only has to stay out of the logs. */
    private static final String LEDGER_PASSWORD = "pg-secret-7d1e4b";

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();
    private PostgresDatabase database;
    private final List<DaemonProcess> daemons = new ArrayList<>();
    private Path routes;

    @BeforeEach
    void createDatabase() throws Exception {
        database = PostgresDatabase.create();
    }

    @AfterEach
    void stopAll() throws Exception {
        for (DaemonProcess daemon : daemons) {
            daemon.close();
        }
        if (database != null) {
            database.close();
        }
    }

    private Path output() {
        return RunningHarvester.output(dir);
    }

    private Path deliveries() {
        return dir.resolve("deliveries.log");
    }

    /** The pipeline every daemon runs: into a shared directory, then a line per delivery in a shared log. */
    private void writeRoute(List<SimJob> jobs, int concurrentDownloads) throws IOException {
        routes = Files.createDirectories(dir.resolve("routes"));
        Files.writeString(routes.resolve("shared.yaml"), """
                - route:
                    id: shared-tensorpool
                    from:
                      uri: job-outputs:tensorpool
                      parameters:
                        apiUrl: "%s"
                        apiKey: "%s"
                        jobIds: "%s"
                        allowedHosts: 127.0.0.1
                        allowHttp: true
                        dataDir: "{{harvester.data-dir}}"
                        delay: 100
                        maxCheckInterval: 800
                        concurrentDownloads: %d
                      steps:
                        - to:
                            uri: "file:%s"
                            parameters:
                              tempPrefix: ".inprogress-"
                              fileExist: Override
                        - setBody:
                            simple:
                              expression: "${header.CamelFileName} {{env:HARVESTER_INSTANCE_NAME}}\\n"
                              trim: false
                        - to:
                            uri: "file:%s"
                            parameters:
                              fileName: "%s"
                              fileExist: Append
                """.formatted(simulator.apiUrl(NAME), simulator.apiKey(NAME),
                jobs.stream().map(SimJob::id).collect(Collectors.joining(",")), concurrentDownloads, output(),
                dir, deliveries().getFileName()));
    }

    private DaemonProcess start(String instance) throws IOException {
        Path home = Files.createDirectories(dir.resolve(instance));
        DaemonProcess daemon = DaemonProcess.start(home, List.of("-Xmx128m",
                "-Dcamel.main.routes-include-pattern=file:" + routes + "/*.yaml"), Map.of(
                "HARVESTER_LEDGER_URL", database.url(), "HARVESTER_LEDGER_PASSWORD", LEDGER_PASSWORD,
                "HARVESTER_INSTANCE_NAME", instance,
                "HARVESTER_LEASE_TIME", String.valueOf(LEASE.toMillis()),
                "HARVESTER_DATA_DIR", home.resolve("data").toString(), "HARVESTER_SHUTDOWN_TIMEOUT", "2"));
        daemons.add(daemon);
        return daemon;
    }

    private void awaitStarted(String instance) {
        Path log = dir.resolve(instance).resolve("daemon.log");
        await().atMost(WAIT).until(() -> Files.exists(log) && Files.readString(log).contains("started in"));
    }

    /** Each line of the deliveries log: "provider/job/path instance". */
    private List<String[]> deliveryLines() throws IOException {
        if (!Files.exists(deliveries())) {
            return List.of();
        }
        return Files.readAllLines(deliveries()).stream().filter(l -> !l.isBlank()).map(l -> l.split(" ")).toList();
    }

    private void assertEachDeliveredOnce(List<SimJob> jobs) throws IOException {
        Map<String, Long> counts = deliveryLines().stream().collect(Collectors.groupingBy(l -> l[0],
                Collectors.counting()));
        assertThat(deliveryLines().stream().filter(l -> counts.get(l[0]) > 1).map(l -> String.join(" ", l)))
                .as("deliveries of files delivered more than once").isEmpty();
        assertThat(counts).hasSize(jobs.stream().mapToInt(j -> j.files().size() + 1).sum());
        for (SimJob job : jobs) {
            Delivered.assertComplete(NAME, output(), job, "completed");
        }
    }

    private List<SimJob> jobs(String prefix, int count, int files, int size, long bytesPerSecond, JobScript script) {
        List<SimJob> jobs = new ArrayList<>();
        for (int j = 0; j < count; j++) {
            List<SimFile> simFiles = new ArrayList<>();
            for (int f = 0; f < files; f++) {
                simFiles.add(SimFile.of("out/part-" + f + ".bin", size + j * 1_000L + f).throttle(bytesPerSecond));
            }
            jobs.add(simulator.addJob(NAME, SimJob.of(prefix + j, script == null
                    ? JobScript.start("running", Integer.MAX_VALUE).thenStays("completed") : script, simFiles)));
        }
        return jobs;
    }

    private boolean allHarvested(List<SimJob> jobs) {
        return jobs.stream().allMatch(job -> Delivered.manifestPresent(NAME, output(), job));
    }

    /**
     * Three instances watch twenty waiting jobs as one would: each job's status calls come at least a poll delay
     * apart, whichever instance makes them, and back off while the state stays. Then the jobs end and are harvested,
     * each file once.
     */
    @Test
    void threeInstancesAskEachWaitingJobAsOneInstanceWould() throws Exception {
        List<SimJob> jobs = jobs("tp-watched-", 20, 1, 1_000, 10_000_000, null);
        writeRoute(jobs, 2);
        List<String> instances = List.of("instance-1", "instance-2", "instance-3");
        for (String instance : instances) {
            start(instance);
        }
        instances.forEach(this::awaitStarted);
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
        await().atMost(WAIT).until(() -> allHarvested(jobs));
        assertEachDeliveredOnce(jobs);
    }

    private List<Instant> statusCalls(SimJob job, Instant since) {
        return simulator.requests().matching(e -> e.path().equals("/tensorpool/job/info/" + job.id())
                && !e.at().isBefore(since)).stream().map(RequestLog.Entry::at).sorted().toList();
    }

    @Test
    void threeInstancesShareThirtyJobsAndDeliverEachFileOnce() throws Exception {
        // A second per job: each instance harvests four side by side, so quicker jobs could all be gone before the
        // last instance to poll claims one.
        List<SimJob> jobs = jobs("tp-shared-", 30, 3, 200_000, 200_000, null);
        writeRoute(jobs, 3);
        List<String> instances = List.of("instance-1", "instance-2", "instance-3");
        for (String instance : instances) {
            start(instance);
        }
        instances.forEach(this::awaitStarted);
        // The jobs finish on the platform once every instance is up, so that none has a head start.
        jobs.forEach(job -> job.script().advance());
        await().atMost(WAIT).until(() -> allHarvested(jobs));

        assertEachDeliveredOnce(jobs);
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
            assertThat(Files.readString(dir.resolve(instance).resolve("daemon.log"))).contains("postgresql")
                    .doesNotContain(LEDGER_PASSWORD);
        }
    }

    @Test
    void aKilledInstancesJobIsFinishedByAnotherOnceItsLeaseExpires() throws Exception {
        // Each file takes a second: the kill lands in the middle of a job.
        List<SimJob> jobs = jobs("tp-kill-", 4, 6, 1_000_000, 1_000_000, JobScript.always("completed"));
        writeRoute(jobs, 2);
        DaemonProcess victim = start("victim");
        awaitStarted("victim");
        // Killed once the first two files (downloaded side by side) are recorded: the next two are a second away from
        // their end, so the kill lands in the middle of their transfers.
        // The tables appear at the victim's first poll.
        await().ignoreExceptions().atMost(WAIT).until(() -> database.rows(
                "SELECT job_key FROM harvest_files WHERE owner = 'victim'").size() >= 2);
        String job = database.rows("SELECT job_key FROM harvest_files WHERE owner = 'victim'").get(0).split("/")[1];
        assertThat(Delivered.manifestPresent(NAME, output(), simulator.job(NAME, job))).as("still harvesting").isFalse();
        victim.kill();
        start("survivor-1");
        start("survivor-2");
        await().atMost(WAIT).until(() -> allHarvested(jobs));

        assertEachDeliveredOnce(jobs);
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
        writeRoute(List.of(job), 2);
        DaemonProcess frozen = start("frozen");
        awaitStarted("frozen");
        await().atMost(WAIT).until(() -> slow.bytesServed() > 1_000_000);
        frozen.pause();
        DaemonProcess other = start("other");
        await().atMost(WAIT).until(() -> Delivered.manifestPresent(NAME, output(), job));
        frozen.resume();
        Path frozenLog = dir.resolve("frozen").resolve("daemon.log");
        await().atMost(WAIT).until(() -> Files.readString(frozenLog).contains("lost its lease"));

        assertEachDeliveredOnce(List.of(job));
        assertThat(deliveryLines()).as("the weights delivered by the instance that took the job over")
                .anyMatch(l -> l[0].endsWith(slow.path()) && l[1].equals("other"));
        assertThat(database.rows("SELECT owner FROM harvest_jobs")).containsExactly("other");
        assertThat(other.isAlive()).isTrue();
    }
}

package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.common.SinkNames;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Daemons, each in its own process, that share one TensorPool pipeline through a PostgreSQL ledger, and the count of
 * every delivery: the pipeline appends a line per file it delivered ("provider/job/path instance") to a shared log.
 */
final class SharedLedgerCluster implements AutoCloseable {

    static final String NAME = TensorPoolApi.NAME;
    static final Duration WAIT = Duration.ofSeconds(120);
    /** The test server trusts every login, so the password only has to stay out of the logs. */
    static final String LEDGER_PASSWORD = "pg-secret-7d1e4b";
    static final List<String> THREE = List.of("instance-1", "instance-2", "instance-3");

    private final Path dir;
    private final Simulator simulator;
    private final String databaseUrl;
    private final Duration lease;
    private final List<DaemonProcess> daemons = new ArrayList<>();
    /** The instance name of each daemon started, in order. */
    private final List<String> names = new ArrayList<>();
    private Path routes;

    SharedLedgerCluster(Path dir, Simulator simulator, String databaseUrl, Duration lease) {
        this.dir = dir;
        this.simulator = simulator;
        this.databaseUrl = databaseUrl;
        this.lease = lease;
    }

    Path output() {
        return RunningHarvester.output(dir);
    }

    private Path deliveries() {
        return dir.resolve("deliveries.log");
    }

    /** Jobs of {@code files} files each, served at {@code bytesPerSecond}; running until advanced unless scripted. */
    List<SimJob> jobs(String prefix, int count, int files, int size, long bytesPerSecond, JobScript script) {
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

    /** The pipeline every daemon runs: into a shared directory, then a line per delivery in a shared log. */
    void writeRoute(List<SimJob> jobs, int concurrentDownloads) throws IOException {
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

    DaemonProcess start(String instance) throws IOException {
        Path home = Files.createDirectories(dir.resolve(instance));
        DaemonProcess daemon = DaemonProcess.start(home, List.of("-Xmx128m",
                "-Dcamel.main.routes-include-pattern=file:" + routes + "/*.yaml"), Map.of(
                "HARVESTER_LEDGER_URL", databaseUrl, "HARVESTER_LEDGER_PASSWORD", LEDGER_PASSWORD,
                "HARVESTER_INSTANCE_NAME", instance,
                "HARVESTER_LEASE_TIME", String.valueOf(lease.toMillis()),
                "HARVESTER_DATA_DIR", home.resolve("data").toString(), "HARVESTER_SHUTDOWN_TIMEOUT", "2"));
        daemons.add(daemon);
        names.add(instance);
        return daemon;
    }

    /** Starts a daemon per instance name, and waits until every one has started. */
    void startAll(List<String> instances) throws IOException {
        for (String instance : instances) {
            start(instance);
        }
        instances.forEach(this::awaitStarted);
    }

    /**
     * Starts the instances on a pipeline of these jobs, then ends the jobs on the platform: once every instance is up,
     * so that none has a head start.
     */
    void harvestOnAll(List<SimJob> jobs, int concurrentDownloads, List<String> instances) throws IOException {
        writeRoute(jobs, concurrentDownloads);
        startAll(instances);
        jobs.forEach(job -> job.script().advance());
    }

    /** The last daemon started under that name. */
    DaemonProcess running(String instance) {
        return daemons.get(names.lastIndexOf(instance));
    }

    Path log(String instance) {
        return dir.resolve(instance).resolve("daemon.log");
    }

    void awaitStarted(String instance) {
        awaitStarted(instance, 1);
    }

    /** Waits for the instance's {@code times}th start: its log is kept across restarts. */
    void awaitStarted(String instance, int times) {
        Path log = log(instance);
        await().atMost(WAIT).until(() -> Files.exists(log)
                && Files.readString(log).split("started in", -1).length > times);
    }

    /** Each line of the deliveries log: "provider/job/path instance". */
    List<String[]> deliveryLines() throws IOException {
        if (!Files.exists(deliveries())) {
            return List.of();
        }
        return Files.readAllLines(deliveries()).stream().filter(l -> !l.isBlank()).map(l -> l.split(" ")).toList();
    }

    /**
     * Every job's manifest in place and its line in the deliveries log, which the route appends after the file: until
     * then the log lacks the last delivery.
     */
    boolean allHarvested(List<SimJob> jobs) throws IOException {
        Set<String> logged = deliveryLines().stream().map(line -> line[0]).collect(Collectors.toSet());
        return jobs.stream().allMatch(job -> Delivered.manifestPresent(NAME, output(), job)
                && logged.contains(NAME + "/" + job.id() + "/" + SinkNames.MANIFEST));
    }

    /** Every file and manifest of the jobs delivered once, byte for byte. */
    void assertEachDeliveredOnce(List<SimJob> jobs) throws IOException {
        assertEachDeliveredOnce(jobs, deliveries -> false);
    }

    /**
     * Every file and manifest of the jobs delivered byte for byte, each once except where {@code mayRepeat} accepts
     * the instances that delivered it, in order.
     */
    void assertEachDeliveredOnce(List<SimJob> jobs, Predicate<List<String>> mayRepeat) throws IOException {
        Map<String, List<String>> instancesPerFile = instancesPerFile();
        assertThat(instancesPerFile.entrySet().stream().filter(e -> e.getValue().size() > 1
                && !mayRepeat.test(e.getValue())).map(e -> e.getKey() + " " + e.getValue()))
                .as("files delivered more than once, and by which instances").isEmpty();
        assertThat(instancesPerFile).hasSize(jobs.stream().mapToInt(j -> j.files().size() + 1).sum());
        for (SimJob job : jobs) {
            Delivered.assertComplete(NAME, output(), job, "completed");
        }
    }

    /** The files delivered more than once: "provider/job/path". */
    List<String> repeatedDeliveries() throws IOException {
        return instancesPerFile().entrySet().stream().filter(e -> e.getValue().size() > 1).map(Map.Entry::getKey)
                .sorted().toList();
    }

    /** Each file delivered, "provider/job/path", with the instances that delivered it in order. */
    private Map<String, List<String>> instancesPerFile() throws IOException {
        return deliveryLines().stream().collect(Collectors.groupingBy(l -> l[0], LinkedHashMap::new,
                Collectors.mapping(l -> l[1], Collectors.toList())));
    }

    @Override
    public void close() throws Exception {
        for (DaemonProcess daemon : daemons) {
            daemon.close();
        }
    }
}

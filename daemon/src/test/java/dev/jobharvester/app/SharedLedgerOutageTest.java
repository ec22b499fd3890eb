package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.component.JobOutputsConsumer;
import dev.jobharvester.ledger.PostgresDatabase;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import dev.jobharvester.testing.CapturedLog;
import dev.jobharvester.testing.TcpProxy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared ledger out of reach (every connection to PostgreSQL cut and refused by a proxy in between): readiness
 * goes down naming it, no new file is taken meanwhile, and once it answers again readiness comes back and the job that
 * ended during the outage is harvested, each file once.
 */
class SharedLedgerOutageTest {

    private static final String NAME = TensorPoolApi.NAME;
    private static final String ROUTE = "tensorpool-to-directory";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();
    @AutoClose
    private final PostgresDatabase database = PostgresDatabase.create();

    SharedLedgerOutageTest() throws Exception {
    }

    /** The database's JDBC URL with the proxy's port in place of the server's. */
    private static String through(TcpProxy proxy, String url) {
        URI server = URI.create(url.substring("jdbc:".length()));
        return url.replace(server.getHost() + ":" + server.getPort(), "127.0.0.1:" + proxy.port());
    }

    @Test
    void readinessIsDownWhileTheSharedLedgerIsOutOfReachAndNothingIsDeliveredTwice() throws Exception {
        SimJob first = simulator.addJob(NAME, SimJob.of("tp-first", JobScript.always("completed"),
                SimFile.of("a.bin", 200_000)));
        // Added while the database is out of reach.
        SimJob during = simulator.addJob(NAME, SimJob.of("tp-during", JobScript.always("completed"),
                SimFile.of("b.bin", 300_000), SimFile.of("c.txt", 1_000)));
        URI server = URI.create(database.url().substring("jdbc:".length()));
        try (TcpProxy proxy = TcpProxy.to(server.getHost(), server.getPort())) {
            Map<String, String> settings = RunningHarvester.settings(simulator, dir, first.id());
            settings.put("camel.component.job-outputs.ledger-url", through(proxy, database.url()));
            Path output = RunningHarvester.output(dir);
            try (RunningHarvester harvester = RunningHarvester.start(settings)) {
                await().atMost(WAIT).until(() -> Delivered.manifestPresent(NAME, output, first));
                assertThat(harvester.readiness().statusCode()).isEqualTo(200);

                proxy.cut();
                await().atMost(WAIT).until(() -> harvester.readiness().statusCode() == 503
                        && harvester.readiness().body().contains("the ledger " + ROUTE + " in postgresql:"));
                assertThat(harvester.readiness().body()).contains("127.0.0.1:" + proxy.port())
                        .contains("could not be reached");
                JobOutputsConsumer consumer = (JobOutputsConsumer) harvester.context().getRoute(ROUTE).getConsumer();
                assertThat(consumer.addJob(during.id())).isTrue();
                Set<String> polls = new HashSet<>();
                await().atMost(WAIT).until(() -> polls.add(consumer.getLastPoll()) && polls.size() > 3);
                assertThat(output.resolve(NAME).resolve(during.id())).as("taken while the ledger is out of reach")
                        .doesNotExist();

                proxy.restore();
                await().atMost(WAIT).until(() -> harvester.readiness().statusCode() == 200);
                await().atMost(WAIT).until(() -> Delivered.manifestPresent(NAME, output, during));
            }
            assertThat(simulator.deliveryFaults(NAME, first, output.resolve(NAME).resolve(first.id()))).isEmpty();
            assertThat(simulator.deliveryFaults(NAME, during, output.resolve(NAME).resolve(during.id()))).isEmpty();
        }
        // The ledger command reads the shared ledger as it reads file ledgers.
        ByteArrayOutputStream listing = new ByteArrayOutputStream();
        Path config = SettingsFile.write(dir, Map.of("camel.component.job-outputs.ledger-url", database.url()));
        assertThat(LedgerReport.run(config, CommandLine.parse(new String[] {"--route", ROUTE}),
                new PrintStream(listing, true, StandardCharsets.UTF_8), System.err)).isZero();
        assertThat(listing.toString(StandardCharsets.UTF_8)).startsWith(ROUTE + "  (postgresql ")
                .contains("tensorpool/tp-first  complete").contains("tensorpool/tp-during  complete");
    }

    /**
     * A file whose delivery was under way when the database went away ends in the sink during the outage: its record
     * waits in the instance's local journal and is written once the database answers, so the file is not fetched
     * again; the job's other file (taken before the outage was noticed, or after it) and its manifest follow, each
     * once.
     */
    @Test
    void aFileDeliveredWhileTheSharedLedgerIsAwayIsRecordedWhenItIsBackNotFetchedAgain() throws Exception {
        SimFile slow = SimFile.of("slow.bin", 3_000_000).throttle(1_000_000);
        SimFile next = SimFile.of("next.bin", 2_000);
        SimJob job = simulator.addJob(NAME, SimJob.of("tp-in-flight", JobScript.always("completed"), slow, next));
        URI server = URI.create(database.url().substring("jdbc:".length()));
        Path output = RunningHarvester.output(dir);
        try (TcpProxy proxy = TcpProxy.to(server.getHost(), server.getPort())) {
            Map<String, String> settings = RunningHarvester.settings(simulator, dir, job.id());
            settings.put("camel.component.job-outputs.ledger-url", through(proxy, database.url()));
            settings.put("harvester.concurrent-downloads", "1");
            try (CapturedLog log = CapturedLog.attach(); RunningHarvester harvester = RunningHarvester.start(settings)) {
                await().atMost(WAIT).until(() -> simulator.downloads(NAME, job.id(), slow.path()) == 1);
                proxy.cut();
                await().atMost(WAIT).until(() -> Files.exists(output.resolve(NAME).resolve(job.id())
                        .resolve(slow.path())));
                await().atMost(WAIT).until(() -> harvester.readiness().statusCode() == 503);
                await().atMost(WAIT).until(() -> log.lines().stream().anyMatch(line -> line.contains("records are kept"
                        + " in") && line.contains(".pending.jsonl until it answers")));
                Set<String> polls = new HashSet<>();
                JobOutputsConsumer consumer = (JobOutputsConsumer) harvester.context().getRoute(ROUTE).getConsumer();
                await().atMost(WAIT).until(() -> polls.add(consumer.getLastPoll()) && polls.size() > 3);

                proxy.restore();
                await().atMost(WAIT).until(() -> Delivered.manifestPresent(NAME, output, job));
            }
        }
        assertThat(simulator.downloads(NAME, job.id(), slow.path())).as("fetched once").isEqualTo(1);
        assertThat(simulator.downloads(NAME, job.id(), next.path())).isEqualTo(1);
        assertThat(simulator.deliveryFaults(NAME, job, output.resolve(NAME).resolve(job.id()))).isEmpty();
    }
}

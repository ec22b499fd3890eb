package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.rmi.server.RMIServerSocketFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXAuthenticator;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXPrincipal;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;
import javax.security.auth.Subject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator's JMX console, connected over RMI with a password, reads the pipeline's figures while it harvests and
 * uses every operation of the consumer MBean.
 */
class JmxOperationsTest {

    private static final String NAME = TensorPoolApi.NAME;
    private static final String ROUTE = "tensorpool-to-directory";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();
    private JMXConnectorServer connectorServer;
    private JMXConnector connector;
    private MBeanServerConnection jmx;
    private ObjectName consumer;

    @BeforeEach
    void openRemoteJmx() throws IOException {
        JMXAuthenticator operatorOnly = credentials -> {
            if (!(credentials instanceof String[] login) || !Arrays.equals(login, new String[] {"operator", "s3cret"})) {
                throw new SecurityException("wrong user or password");
            }
            return new Subject(true, Set.of(new JMXPrincipal(login[0])), Set.of(), Set.of());
        };
        // JDK 17 loads a resource bundle the first time it compares subjects; done inside JMX's own subject
        // combiner, that load recurses and fails ("Recursive update"). Loading it here first avoids it.
        new Subject().getPrincipals().containsAll(Set.of());
        RMIServerSocketFactory loopback = port -> new ServerSocket(port, 0, InetAddress.getLoopbackAddress());
        connectorServer = JMXConnectorServerFactory.newJMXConnectorServer(new JMXServiceURL("service:jmx:rmi://127.0.0.1"),
                Map.of(JMXConnectorServer.AUTHENTICATOR, operatorOnly,
                        RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, loopback),
                ManagementFactory.getPlatformMBeanServer());
        connectorServer.start();
    }

    @AfterEach
    void closeRemoteJmx() throws IOException {
        if (connector != null) {
            connector.close();
        }
        connectorServer.stop();
    }

    private void connect() throws Exception {
        assertThatThrownBy(() -> JMXConnectorFactory.connect(connectorServer.getAddress(),
                Map.of(JMXConnector.CREDENTIALS, new String[] {"operator", "guess"})))
                .isInstanceOf(SecurityException.class);
        connector = JMXConnectorFactory.connect(connectorServer.getAddress(),
                Map.of(JMXConnector.CREDENTIALS, new String[] {"operator", "s3cret"}));
        jmx = connector.getMBeanServerConnection();
        consumer = HarvesterMBeans.consumer(jmx, ROUTE);
    }

    private Object attribute(String name) throws Exception {
        return jmx.getAttribute(consumer, name);
    }

    private Object invoke(String operation, Object... arguments) throws Exception {
        String[] signature = Arrays.stream(arguments).map(a -> a.getClass().getName()).toArray(String[]::new);
        return jmx.invoke(consumer, operation, arguments, signature);
    }

    private boolean harvested(SimJob job) {
        return Delivered.manifestPresent(NAME, RunningHarvester.output(dir), job);
    }

    @Test
    @SuppressWarnings("unchecked")
    void attributesFollowAHarvestAndEveryOperationDoesWhatItSays() throws Exception {
        SimFile slow = SimFile.of("weights.bin", 4_000_000).throttle(2_000_000);
        SimJob first = simulator.addJob(NAME, SimJob.of("tp-first", JobScript.always("completed"), slow,
                SimFile.of("log.txt", 3_000)));
        SimJob waiting = simulator.addJob(NAME, SimJob.of("tp-waiting", JobScript.always("running")));
        SimFile broken = SimFile.of("broken.bin", 300_000).abortAfter(50_000, Integer.MAX_VALUE);
        SimJob flaky = simulator.addJob(NAME, SimJob.of("tp-flaky", JobScript.always("completed"), broken));
        SimJob late = simulator.addJob(NAME, SimJob.of("tp-late", JobScript.always("completed"),
                SimFile.of("late.txt", 1_000)));
        Map<String, String> settings = RunningHarvester.settings(simulator, dir, first.id() + "," + waiting.id());
        settings.put("harvester.max-resumes", "0");
        settings.put("harvester.max-file-attempts", "2");
        settings.put("harvester.max-job-errors", "2");
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            connect();
            assertThat(attribute("Provider")).isEqualTo(NAME);

            // During the slow download: it shows in flight, with its progress.
            await().atMost(WAIT).until(() -> (Integer) attribute("FilesInFlight") == 1
                    && ((List<String>) attribute("Transfers")).toString().matches(".*weights\\.bin: [1-9].* of 3\\.8 MiB.*"));
            assertThat(attribute("HarvestingJobs")).isEqualTo(1L);
            assertThat(attribute("WaitingJobs")).isEqualTo(1L);
            assertThat((List<String>) attribute("LeasesHeld")).containsExactly("tensorpool/" + first.id());
            assertThat((String) attribute("Ledger")).startsWith("file ").endsWith(ROUTE + ".jsonl");
            assertThat((String) attribute("LastPoll")).isNotEmpty();
            assertThat(attribute("ApiAnswering")).isEqualTo(true);
            assertThat((String) attribute("ApiStatus")).startsWith("answering since ");

            await().atMost(WAIT).until(() -> harvested(first));
            await().atMost(WAIT).until(() -> (Long) attribute("HarvestedJobs") == 1L);
            assertThat(attribute("FilesDelivered")).isEqualTo(2L);
            assertThat(attribute("BytesDelivered")).isEqualTo(4_003_000L);
            assertThat(attribute("FilesInFlight")).isEqualTo(0);
            assertThat((String) attribute("LastDelivery")).isNotEmpty();
            assertThat(attribute("LastSinkError")).isEqualTo("");
            assertThat((List<String>) attribute("Jobs")).containsExactly("tp-first: harvested (completed)",
                    "tp-waiting: waiting (running)");

            // addJob: a job that fails twice is parked; retryParkedFiles delivers it once storage heals.
            assertThat(invoke("addJob", flaky.id())).isEqualTo(true);
            assertThat(invoke("addJob", flaky.id())).as("already tracked").isEqualTo(false);
            await().atMost(WAIT).until(() -> !((List<String>) attribute("ParkedFiles")).isEmpty());
            assertThat((List<String>) attribute("ParkedFiles")).singleElement().asString()
                    .startsWith("tensorpool/tp-flaky/broken.bin: ");
            assertThat((Long) attribute("Retries")).isGreaterThanOrEqualTo(1L);
            broken.abortAfter(-1, 0);
            assertThat(invoke("retryParkedFiles")).isEqualTo(1);
            await().atMost(WAIT).until(() -> harvested(flaky));
            assertThat((List<String>) attribute("ParkedFiles")).isEmpty();

            // A job the platform does not know is given up after max-job-errors polls.
            invoke("addJob", "tp-unknown");
            await().atMost(WAIT).until(() -> (Long) attribute("FailedJobs") == 1L);

            // pausePipeline: a job added meanwhile is not touched until resumePipeline.
            invoke("pausePipeline");
            assertThat(attribute("Paused")).isEqualTo(true);
            invoke("addJob", late.id());
            long requestsBefore = simulator.requests().entries().size();
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .until(() -> simulator.requests().entries().size() == requestsBefore);
            assertThat(harvested(late)).isFalse();
            invoke("resumePipeline");
            assertThat(attribute("Paused")).isEqualTo(false);
            await().atMost(WAIT).until(() -> harvested(late));

            // harvestAgain: every file of a harvested job is fetched and delivered once more.
            assertThat(invoke("harvestAgain", first.id())).isEqualTo(true);
            await().atMost(WAIT).until(() -> simulator.downloads(NAME, first.id(), "log.txt") == 2
                    && (Long) attribute("HarvestedJobs") == 3L);
            assertThat(simulator.downloads(NAME, first.id(), slow.path())).isEqualTo(2);
            assertThat(invoke("harvestAgain", "tp-never-seen")).isEqualTo(false);
        }
        Delivered.assertComplete(NAME, RunningHarvester.output(dir), first, "completed");
        Delivered.assertComplete(NAME, RunningHarvester.output(dir), flaky, "completed");
        Delivered.assertComplete(NAME, RunningHarvester.output(dir), late, "completed");
    }
}

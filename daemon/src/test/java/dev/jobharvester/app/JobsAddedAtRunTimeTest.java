package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import javax.management.ObjectName;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Jobs handed to a running daemon through its inbox and through JMX, without a restart. */
class JobsAddedAtRunTimeTest {

    private static final String NAME = TensorPoolApi.NAME;
    private static final String ROUTE = "tensorpool-to-directory";

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();
    private SimJob viaInbox;
    private SimJob viaJmx;

    @BeforeEach
    void start() throws Exception {
        viaInbox = simulator.addJob(NAME, SimJob.of("tp-inbox-1", JobScript.always("completed"),
                SimFile.of("out/a.bin", 30_000), SimFile.of("b.txt", 500)));
        viaJmx = simulator.addJob(NAME, SimJob.of("tp-jmx-1", JobScript.start("running", 2).thenStays("completed"),
                SimFile.of("model.pt", 70_000)));
    }


    private Map<String, String> settings() {
        Map<String, String> settings = RunningHarvester.settings(simulator, dir, "");
        settings.put("tensorpool.inbox", dir.resolve("inbox").toString());
        return settings;
    }

    @Test
    void aFileDroppedInTheInboxAddsItsJobs() throws Exception {
        Path inbox = Files.createDirectories(dir.resolve("inbox"));
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings())) {
            Path draft = Files.writeString(inbox.resolve(".draft"), "# jobs from the nightly sweep\n\n  tp-inbox-1  \n");
            Files.move(draft, inbox.resolve("nightly.txt"), StandardCopyOption.ATOMIC_MOVE);
            await().atMost(Duration.ofSeconds(30)).until(() -> Delivered.manifestPresent(NAME, output, viaInbox));
        }
        Delivered.assertComplete(NAME, output, viaInbox, "completed");
        Delivered.assertEachDownloadedOnce(simulator, NAME, viaInbox);
        assertThat(inbox.resolve("nightly.txt")).doesNotExist();
        assertThat(Files.list(inbox.resolve(".processed"))).hasSize(1);
    }

    @Test
    void aJobAddedOverJmxIsHarvestedOnceEvenWhenAddedAgainAfterARestart() throws Exception {
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings())) {
            assertThat(addJob(viaJmx.id())).isTrue();
            assertThat(addJob(viaJmx.id())).as("a job tracked already").isFalse();
            await().atMost(Duration.ofSeconds(30)).until(() -> Delivered.manifestPresent(NAME, output, viaJmx));
        }
        Delivered.assertComplete(NAME, output, viaJmx, "completed");

        try (RunningHarvester harvester = RunningHarvester.start(settings())) {
            assertThat(addJob(viaJmx.id())).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> (Long) consumerAttribute("FinishedJobs") == 1L);
            assertThat(consumerAttribute("TrackedJobs")).isEqualTo(1);
        }
        Delivered.assertEachDownloadedOnce(simulator, NAME, viaJmx);
    }

    private static ObjectName consumer() throws Exception {
        return HarvesterMBeans.consumer(ManagementFactory.getPlatformMBeanServer(), ROUTE);
    }

    private static boolean addJob(String jobId) throws Exception {
        return (Boolean) ManagementFactory.getPlatformMBeanServer().invoke(consumer(), "addJob", new Object[] {jobId},
                new String[] {String.class.getName()});
    }

    private static Object consumerAttribute(String attribute) throws Exception {
        return ManagementFactory.getPlatformMBeanServer().getAttribute(consumer(), attribute);
    }
}

package dev.jobharvester.app;

import dev.jobharvester.testing.CapturedLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.RequestLog;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.nio.file.Path;
import java.time.Duration;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform's API key goes to its API host and nowhere else: not to storage, not into the log, not into JMX, also
 * when faults make the harvester retry, resume and list files again.
 */
class ApiKeyTest {

    private static final String KEY = "tp-key-8f3a9c1e5b7d2046";

    @TempDir
    Path dir;

    /** Every readable attribute of every Camel MBean, as text. */
    private static List<String> camelMBeanValues() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        List<String> values = new ArrayList<>();
        for (ObjectName name : server.queryNames(new ObjectName("org.apache.camel:*"), null)) {
            values.add(name.toString());
            for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
                try {
                    Object value = server.getAttribute(name, attribute.getName());
                    values.add(value instanceof Object[] array ? Arrays.deepToString(array) : String.valueOf(value));
                } catch (Exception unreadable) {
                    // Some attributes throw when their feature is off; they hold nothing then.
                }
            }
        }
        return values;
    }

    @Test
    void theKeyReachesTheApiHostOnlyAndNeverTheLog() throws Exception {
        try (Simulator simulator = new Simulator(new TensorPoolApi(KEY)).start();
                CapturedLog log = CapturedLog.attach()) {
            SimJob job = simulator.addJob(TensorPoolApi.NAME, SimJob.of("tp-secret", JobScript.always("completed"),
                    SimFile.of("out/a.bin", 50_000), SimFile.of("b.txt", 100)));
            // Faults on every path, so the retry, resume and re-listing messages are in the log too.
            job.file("out/a.bin").abortAfter(10_000, 1);
            simulator.failNext("/tensorpool/job/info/", 1, 429, "1");
            simulator.failNext("/tensorpool/job/pull/", 1, 503, null);
            simulator.urlTtl(Duration.ofSeconds(1));
            job.file("b.txt").throttle(20);
            Path output = RunningHarvester.output(dir);
            List<String> jmxValues;
            try (RunningHarvester harvester = RunningHarvester.start(RunningHarvester.settings(simulator, dir, job.id()))) {
                await().atMost(Duration.ofSeconds(30)).until(() -> Delivered.manifestPresent(TensorPoolApi.NAME, output, job));
                jmxValues = camelMBeanValues();
            }
            assertThat(jmxValues).hasSizeGreaterThan(100).noneMatch(v -> v.contains(KEY));
            Delivered.assertComplete(TensorPoolApi.NAME, output, job, "completed");

            List<RequestLog.Entry> storage = simulator.requests().matching(e -> e.host().equals("storage"));
            List<RequestLog.Entry> api = simulator.requests().matching(e -> e.host().equals("api"));
            assertThat(storage).hasSizeGreaterThanOrEqualTo(3);
            assertThat(storage).allSatisfy(e -> {
                assertThat(e.authorization()).isNull();
                assertThat(e.rawRequest()).doesNotContain(KEY);
            });
            assertThat(api).isNotEmpty().allSatisfy(e -> assertThat(e.authorization()).isEqualTo("Bearer " + KEY));
            assertThat(log.lines()).isNotEmpty().noneMatch(line -> line.contains(KEY));
            assertThat(log.lines()).as("presigned signatures in the log").noneMatch(l -> l.contains("X-Amz-Signature="));
        }
    }
}

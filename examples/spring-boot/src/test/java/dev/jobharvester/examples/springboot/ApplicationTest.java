package dev.jobharvester.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.component.JobOutputsConsumer;
import dev.jobharvester.component.JobPhase;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The Spring Boot example, built on the component artifact alone, harvests a simulated TensorPool job. */
@SpringBootTest
class ApplicationTest {

    private static final List<SimFile> FILES = List.of(SimFile.of("model.bin", 2_000_000), SimFile.of("logs/run.txt", 500));
    private static final Simulator SIMULATOR = Simulator.started();
    private static final SimJob JOB = SIMULATOR.addJob(TensorPoolApi.NAME, SimJob.of("j1", JobScript.always("completed"),
            FILES));

    @TempDir
    static Path dir;

    @Autowired
    CamelContext context;

    @DynamicPropertySource
    static void pointedAtTheSimulator(DynamicPropertyRegistry registry) {
        registry.add("tensorpool.api-url", () -> SIMULATOR.apiUrl(TensorPoolApi.NAME));
        registry.add("tensorpool.api-key", () -> SIMULATOR.apiKey(TensorPoolApi.NAME));
        registry.add("tensorpool.job-ids", () -> "j1");
        registry.add("output-dir", () -> dir.resolve("files").toString());
        registry.add("job-outputs.data-dir", () -> dir.resolve("data").toString());
        registry.add("job-outputs.poll-delay", () -> "100");
        // The simulator serves plain http on loopback.
        registry.add("job-outputs.allowed-hosts", () -> "127.0.0.1");
        registry.add("job-outputs.allow-http", () -> "true");
        registry.add("camel.springboot.main-run-controller", () -> "false");
    }

    @AfterAll
    static void stopTheSimulator() {
        SIMULATOR.close();
    }

    @Test
    void harvestsEveryFileOnceVerified() throws Exception {
        JobOutputsConsumer consumer = (JobOutputsConsumer) context.getRoute("tensorpool-to-directory").getConsumer();
        await().atMost(Duration.ofSeconds(30)).until(() -> consumer.jobPhase("j1") == JobPhase.HARVESTED);
        Path job = dir.resolve("files/tensorpool/j1");
        assertThat(job.resolve("_manifest.json")).exists();
        assertThat(SIMULATOR.deliveryFaults(TensorPoolApi.NAME, JOB, job)).isEmpty();
    }
}

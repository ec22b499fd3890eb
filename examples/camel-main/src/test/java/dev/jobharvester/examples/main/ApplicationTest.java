package dev.jobharvester.examples.main;

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
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example application, built on the component artifact alone, harvests a simulated TensorPool job. */
class ApplicationTest {

    private static final List<SimFile> FILES = List.of(SimFile.of("model.bin", 2_000_000), SimFile.of("logs/run.txt", 500));

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    /** Runs the application until job j1 counts as harvested: its manifest is in the sink and its ledger. */
    private void harvest() throws Exception {
        Main main = new Main();
        main.configure().addRoutesBuilder(new TensorPoolToDirectory());
        main.addOverrideProperty("tensorpool.api-url", simulator.apiUrl(TensorPoolApi.NAME));
        main.addOverrideProperty("tensorpool.api-key", simulator.apiKey(TensorPoolApi.NAME));
        main.addOverrideProperty("tensorpool.job-ids", "j1");
        main.addOverrideProperty("output-dir", dir.resolve("files").toString());
        main.addOverrideProperty("camel.component.job-outputs.data-dir", dir.resolve("data").toString());
        main.addOverrideProperty("camel.component.job-outputs.delay", "100");
        // The simulator serves plain http on loopback.
        main.addOverrideProperty("camel.component.job-outputs.allowed-hosts", "127.0.0.1");
        main.addOverrideProperty("camel.component.job-outputs.allow-http", "true");
        main.start();
        try {
            JobOutputsConsumer consumer = (JobOutputsConsumer) main.getCamelContext().getRoute("tensorpool-to-directory")
                    .getConsumer();
            await().atMost(Duration.ofSeconds(30)).until(() -> consumer.jobPhase("j1") == JobPhase.HARVESTED);
        } finally {
            main.stop();
        }
    }

    private Path job() {
        return dir.resolve("files/tensorpool/j1");
    }

    @Test
    void harvestsEveryFileOnceVerifiedAndNothingAgainAfterARestart() throws Exception {
        SimJob job = simulator.addJob(TensorPoolApi.NAME, SimJob.of("j1", JobScript.always("completed"), FILES));
        harvest();
        assertThat(job().resolve("_manifest.json")).exists();
        assertThat(simulator.deliveryFaults(TensorPoolApi.NAME, job, job())).isEmpty();
        harvest();
        assertThat(simulator.deliveryFaults(TensorPoolApi.NAME, job, job())).as("after a restart").isEmpty();
    }
}

package dev.jobharvester.component;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.download.DownloadStream;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The component in a plain CamelContext, with Camel's defaults (stream caching on). */
class JobOutputsComponentTest {

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();
    private CamelContext context;

    @BeforeEach
    void start() throws Exception {
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("j1", JobScript.always("completed"),
                SimFile.of("a.bin", 200_000), SimFile.of("b/c.txt", 1_000)));
        context = new DefaultCamelContext();
        context.setStreamCaching(true);
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    private String uri(String extra) {
        return "job-outputs:tensorpool?apiUrl=" + simulator.apiUrl(TensorPoolApi.NAME) + "&apiKey="
                + simulator.apiKey(TensorPoolApi.NAME) + "&jobIds=j1&delay=100&allowedHosts=127.0.0.1&allowHttp=true&dataDir="
                + dir + extra;
    }

    @Test
    void theSinkReadsTheDownloadItselfEvenWithStreamCachingOn() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(uri("")).routeId("probe")
                        .process(e -> seen.add(e.getIn().getHeader(JobOutputsConstants.KIND) + " "
                                + e.getIn().getBody().getClass().getSimpleName() + " "
                                + e.getIn().getHeader(Exchange.FILE_NAME)))
                        .to("file:" + dir.resolve("out"));
            }
        });
        context.start();
        await().until(() -> seen.size() == 3);
        // Files of a page are downloaded side by side, so only the manifest's place is fixed: last.
        assertThat(seen.subList(0, 2)).containsExactlyInAnyOrder(
                "file " + DownloadStream.class.getSimpleName() + " tensorpool/j1/a.bin",
                "file " + DownloadStream.class.getSimpleName() + " tensorpool/j1/b/c.txt");
        assertThat(seen.get(2)).isEqualTo("manifest File tensorpool/j1/_manifest.json");
    }


    @Test
    void aRouteWithoutAnIdIsRefusedBecauseTheLedgerIsKeptPerRoute() throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(uri("")).to("file:" + dir.resolve("out"));
            }
        });
        assertThatThrownBy(context::start).hasStackTraceContaining("give the route an id");
    }

    @Test
    void anUnknownProviderAndAnUnknownOptionAreNamed() throws Exception {
        assertThatThrownBy(() -> context.getEndpoint("job-outputs:tensorpol?jobIds=x&apiKey=k").start())
                .hasStackTraceContaining("unknown provider 'tensorpol'; known providers: archetype, chutes, openai-batch,"
                        + " pixxel, replicate, tensorpool");
        assertThatThrownBy(() -> context.getEndpoint("job-outputs:tensorpool?jobId=x"))
                .hasMessageContaining("jobId");
    }

    @Test
    void aNumericOptionThatIsNotANumberIsNamedNotReadAsZero() {
        assertThatThrownBy(() -> context.getEndpoint("job-outputs:tensorpool?apiKey=k&maxJobErrors=five"))
                .hasStackTraceContaining("job-outputs:tensorpool: maxJobErrors is 'five', which is not a number");
    }
}

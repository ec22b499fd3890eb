package dev.jobharvester.component;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobharvester.download.VerifiedBody;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The component in a plain CamelContext, as a user embedding it would use it, with Camel's test support: the
 * component-level options reach the endpoint, every file comes as one exchange with its headers and its bytes, and
 * the manifest comes last.
 */
class EmbeddedComponentTest extends CamelTestSupport {

    private static final List<SimFile> FILES = List.of(SimFile.of("a.txt", 1_000), SimFile.of("d/e/f.bin", 200_000),
            SimFile.of("g.json", 10));

    @TempDir
    Path dir;
    private final Simulator simulator = Simulator.started();

    @AfterEach
    void stopSimulator() {
        simulator.close();
    }

    @Override
    protected RoutesBuilder createRouteBuilder() {
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("j1", JobScript.always("completed"), FILES));
        JobOutputsComponent component = context.getComponent("job-outputs", JobOutputsComponent.class);
        component.getConfiguration().setDataDir(dir.toString());
        component.getConfiguration().setAllowHttp(true);
        component.getConfiguration().setAllowedHosts("127.0.0.1");
        component.getConfiguration().setConcurrentDownloads(2);
        component.setDelay(50);
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("job-outputs:tensorpool?jobIds=j1&apiUrl=" + simulator.apiUrl(TensorPoolApi.NAME)
                        + "&apiKey=RAW(" + simulator.apiKey(TensorPoolApi.NAME) + ")").routeId("embedded")
                        .process(EmbeddedComponentTest::digest)
                        .to("mock:delivered");
            }
        };
    }

    /** Reads the body as a sink would, and keeps its SHA-256 for the test. */
    private static void digest(Exchange exchange) throws Exception {
        if (!(exchange.getIn().getBody() instanceof VerifiedBody)) {
            return;
        }
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(exchange.getIn().getBody(InputStream.class), sha256)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        exchange.getIn().setHeader("TestSha256", HexFormat.of().formatHex(sha256.digest()));
    }

    @Test
    void everyFileComesOnceWithItsHeadersAndBytesThenTheManifest() throws Exception {
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("embedded").whenCompleted(FILES.size() + 1).create();
        MockEndpoint delivered = getMockEndpoint("mock:delivered");
        delivered.expectedMessageCount(FILES.size() + 1);
        delivered.expectedHeaderReceived(JobOutputsConstants.PROVIDER, TensorPoolApi.NAME);
        delivered.expectedHeaderReceived(JobOutputsConstants.JOB_ID, "j1");
        delivered.expectedHeaderReceived(JobOutputsConstants.JOB_STATE, "completed");
        assertThat(done.matches(30, TimeUnit.SECONDS)).as("the job's exchanges completed").isTrue();
        delivered.assertIsSatisfied();

        List<Exchange> exchanges = delivered.getReceivedExchanges();
        Exchange manifest = exchanges.get(exchanges.size() - 1);
        assertThat(manifest.getIn().getHeader(JobOutputsConstants.KIND)).isEqualTo(JobOutputsConstants.KIND_MANIFEST);
        for (SimFile file : FILES) {
            assertThat(exchanges).filteredOn(e -> file.path().equals(e.getIn().getHeader(JobOutputsConstants.PATH)))
                    .singleElement().satisfies(e -> {
                        assertThat(e.getIn().getHeader(JobOutputsConstants.KIND)).isEqualTo(JobOutputsConstants.KIND_FILE);
                        assertThat(e.getIn().getHeader(Exchange.FILE_NAME)).isEqualTo("tensorpool/j1/" + file.path());
                        assertThat(e.getIn().getHeader("TestSha256")).isEqualTo(file.sha256());
                    });
        }
        JobOutputsConsumer consumer = (JobOutputsConsumer) context.getRoute("embedded").getConsumer();
        assertThat(consumer.jobPhase("j1")).isEqualTo(JobPhase.HARVESTED);
        assertThat(consumer.getFilesDelivered()).isEqualTo(FILES.size());
        assertThat(simulator.downloads(TensorPoolApi.NAME, "j1", "d/e/f.bin")).isEqualTo(1);
    }
}

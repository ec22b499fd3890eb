package dev.jobharvester.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.common.OutputFile;
import dev.jobharvester.download.HttpClients;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The TensorPool adapter against the simulated API. */
class TensorPoolProviderTest {

    @AutoClose
    private final Simulator simulator = Simulator.started();
    private CloseableHttpClient http;
    private JobProvider provider;

    @BeforeEach
    void start() throws IOException {
        http = HttpClients.create(2_000, 5_000, 4);
        provider = create(simulator.apiKey(TensorPoolApi.NAME));
    }

    private JobProvider create(String key) {
        return Providers.create(Providers.platform(TensorPoolApi.NAME), new ProviderOptions(TensorPoolApi.NAME,
                simulator.apiUrl(TensorPoolApi.NAME), key, 3, null, 100, null, null), http);
    }

    @AfterEach
    void stop() throws IOException {
        http.close();
    }

    @Test
    void mapsEveryDocumentedStateAndCanceledHasOneL() throws IOException {
        List<String> states = List.of("pending", "running", "canceling", "completed", "error", "failed", "canceled");
        List<JobState> expected = List.of(JobState.PENDING, JobState.RUNNING, JobState.RUNNING, JobState.SUCCEEDED,
                JobState.FAILED, JobState.FAILED, JobState.CANCELED);
        for (int i = 0; i < states.size(); i++) {
            simulator.addJob(TensorPoolApi.NAME, SimJob.of("j" + i, JobScript.always(states.get(i))));
            JobStatus status = provider.status("j" + i);
            assertThat(status.state()).as(states.get(i)).isEqualTo(expected.get(i));
            assertThat(status.providerState()).isEqualTo(states.get(i));
        }
        assertThat(provider.facts().terminalStates()).containsExactlyInAnyOrder("completed", "error", "failed", "canceled");
    }

    @Test
    void anUnknownStateIsTreatedAsStillRunning() throws IOException {
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("odd", JobScript.always("hibernating")));
        assertThat(provider.status("odd")).isEqualTo(new JobStatus(JobState.RUNNING, "hibernating"));
    }

    @Test
    void aLiveJobOffersRsyncAndIsWaitedOnNotPulled() throws IOException {
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("live", JobScript.always("running"), SimFile.of("a", 1)));
        assertThat(provider.outputs("live", null)).isEmpty();
    }

    @Test
    void anEmptyMapIsAJobWithoutOutputs() throws IOException {
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("none", JobScript.always("completed")));
        assertThat(provider.outputs("none", null)).hasValue(OutputPage.last(List.of()));
    }

    @Test
    void listsEveryFileWithItsPresignedUrl() throws IOException {
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("two", JobScript.always("completed"),
                SimFile.of("x/y.bin", 10), SimFile.of("z.txt", 20)));
        List<OutputFile> files = provider.outputs("two", null).orElseThrow().files();
        assertThat(files).extracting(OutputFile::path).containsExactly("x/y.bin", "z.txt");
        assertThat(files).allSatisfy(f -> assertThat(f.location().getQuery()).contains("X-Amz-Signature="));
    }

    @Test
    void aWrongKeyGivesOneClearMessageWithoutTheKey() {
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("j", JobScript.always("completed")));
        JobProvider wrong = create("not-the-key");
        assertThatThrownBy(() -> wrong.status("j")).isInstanceOf(ProviderException.class)
                .hasMessage("tensorpool job j: GET /job/info/j answered 401: Invalid or missing API key")
                .hasMessageNotContaining("not-the-key");
    }

    @Test
    void anUnknownJobIsNamed() {
        assertThatThrownBy(() -> provider.status("nope")).hasMessage(
                "tensorpool job nope: GET /job/info/nope answered 404: Job not found");
    }

    /** A 429's Retry-After holds back every call to the platform, not only the one it answered. */
    @Test
    void aRetryAfterHoldsBackTheOtherCallsToThePlatformToo() throws Exception {
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("limited", JobScript.always("running")));
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("other", JobScript.always("running")));
        simulator.failNext("/tensorpool/job/info/limited", 1, 429, "2");
        CompletableFuture<JobStatus> limited = CompletableFuture.supplyAsync(() -> {
            try {
                return provider.status("limited");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> !simulator.requests()
                .matching(e -> e.status() == 429).isEmpty());
        Instant limitedAt = simulator.requests().matching(e -> e.status() == 429).get(0).at();
        assertThat(provider.status("other").providerState()).isEqualTo("running");
        assertThat(limited.get().providerState()).isEqualTo("running");
        Instant otherAt = simulator.requests().matching(e -> e.path().endsWith("/other")).get(0).at();
        assertThat(Duration.between(limitedAt, otherAt)).as("the other call, after the 429 said 2 s")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1_900));
    }
}

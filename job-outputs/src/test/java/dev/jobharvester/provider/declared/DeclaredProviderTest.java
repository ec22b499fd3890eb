package dev.jobharvester.provider.declared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jobharvester.common.OutputFile;
import dev.jobharvester.download.HttpClients;
import dev.jobharvester.provider.DiscoveryFilter;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.Platform;
import dev.jobharvester.provider.ProviderException;
import dev.jobharvester.provider.ProviderOptions;
import dev.jobharvester.provider.Providers;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.OpenAiBatchApi;
import dev.jobharvester.sim.ReplicateApi;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** The declared platforms against their simulated APIs: what the files promise, and how a wrong one fails. */
class DeclaredProviderTest {

    @AutoClose
    private final Simulator simulator = Simulator.started();
    @AutoClose
    private final CloseableHttpClient http = HttpClients.create(2_000, 10_000, 8);

    private static String shipped(String location) throws IOException {
        try (InputStream in = DeclaredProviderTest.class.getClassLoader().getResourceAsStream(location)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A seed's platform file with one change. */
    private static Platform seed(String name, String written, String instead) throws IOException {
        return DeclaredPlatforms.read(name + ".yaml", shipped("seed-platforms/" + name + ".yaml").replace(written, instead));
    }

    /** The message of the problem the call runs into. */
    private static String problem(ThrowingCallable call) {
        ProviderException problem = catchThrowableOfType(ProviderException.class, call);
        assertThat(problem).as("a problem").isNotNull();
        return problem.getMessage();
    }

    private JobProvider provider(Platform platform, String api) {
        return Providers.create(platform, new ProviderOptions(api, simulator.apiUrl(api), simulator.apiKey(api), 0,
                null, 100, null, null), http);
    }

    private JobProvider provider(String api) throws IOException {
        return provider(DeclaredPlatforms.read(api, shipped("platforms/" + api + ".yaml")), api);
    }

    @Test
    void anOpenAiBatchListsItsOutputAndErrorFilesFetchedFromTheApiWithTheKey() throws IOException {
        JobProvider openai = provider(OpenAiBatchApi.NAME);
        simulator.addJob(OpenAiBatchApi.NAME, SimJob.of("batch_1", JobScript.always("completed"),
                SimFile.of(OpenAiBatchApi.OUTPUT, 1_000), SimFile.of(OpenAiBatchApi.ERRORS, 10)));
        simulator.addJob(OpenAiBatchApi.NAME, SimJob.of("batch_2", JobScript.always("completed"),
                SimFile.of(OpenAiBatchApi.OUTPUT, 1_000)));
        List<OutputFile> files = openai.outputs("batch_1", null).orElseThrow().files();
        assertThat(files).extracting(OutputFile::path).containsExactly("output.jsonl", "errors.jsonl");
        assertThat(files).allSatisfy(f -> assertThat(openai.downloadAuthorization(f))
                .isEqualTo("Bearer " + simulator.apiKey(OpenAiBatchApi.NAME)));
        assertThat(openai.outputs("batch_2", null).orElseThrow().files()).extracting(OutputFile::path)
                .as("no error file: its id is null").containsExactly("output.jsonl");
        assertThat(openai.status("batch_1").outcome()).contains("request_counts");
    }

    @Test
    void discoveryWalksEveryPageOfTheBatchListByCursor() throws IOException {
        JobProvider openai = provider(OpenAiBatchApi.NAME);
        List<String> ids = new ArrayList<>();
        IntStream.range(0, 230).forEach(i -> ids.add(simulator.addJob(OpenAiBatchApi.NAME,
                SimJob.of("batch_%03d".formatted(i), JobScript.always(i % 2 == 0 ? "completed" : "in_progress")))
                .id()));
        assertThat(openai.listedStates()).containsOnlyKeys(ids);
        assertThat(openai.discover(new DiscoveryFilter("completed", null))).hasSize(115);
        assertThat(simulator.requests().matching(e -> e.path().startsWith("/openai-batch/v1/batches")
                && !e.path().contains("batch_"))).as("3 pages for each of 2 walks").hasSize(6);
    }

    @Test
    void aReplicateOutputIsOneUrlOrAListAndItsNextLinkMayNotLeaveTheApi() throws IOException {
        JobProvider replicate = provider(ReplicateApi.NAME);
        simulator.addJob(ReplicateApi.NAME, SimJob.of("p1", JobScript.always("succeeded"), SimFile.of("out.png", 9)));
        simulator.addJob(ReplicateApi.NAME, SimJob.of("p2", JobScript.always("succeeded"),
                SimFile.of("out-0.png", 9), SimFile.of("out-1.png", 9)));
        assertThat(replicate.outputs("p1", null).orElseThrow().files()).extracting(OutputFile::path)
                .containsExactly("out.png");
        assertThat(replicate.outputs("p2", null).orElseThrow().files()).extracting(OutputFile::path)
                .containsExactly("out-0.png", "out-1.png");
        assertThat(replicate.outputs("p1", null).orElseThrow().files())
                .allSatisfy(f -> assertThat(replicate.downloadAuthorization(f)).as("storage gets no key").isNull());

        simulator.answerNext("/replicate/v1/predictions", 1, "{\"results\": [], \"next\": null}");
        assertThat(replicate.listedStates()).isEmpty();
        simulator.answerNext("/replicate/v1/predictions", 1, "{\"results\": [{\"id\": \"p1\", \"status\": \"succeeded\"}],"
                + " \"next\": \"https://elsewhere.example/v1/predictions?cursor=1\"}");
        assertThat(problem(replicate::listedStates)).contains("leaves the API (elsewhere.example)");
    }

    @Test
    void aPointerThatMatchesNothingInARealAnswerSaysWhatTheAnswerHolds() throws IOException {
        Platform wrong = seed("tensorpool", "state: /job_info/status", "state: /job_info/state");
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("j", JobScript.always("completed"), SimFile.of("a", 1)));
        assertThat(problem(() -> provider(wrong, TensorPoolApi.NAME).status("j"))).isEqualTo("tensorpool job j: the state /job_info/state matches nothing in the"
                + " answer; /job_info has the keys job_id, status, instance_type, created_at, exit_code");
    }

    @Test
    void aFileWithoutItsPathIsAProblemNamingThePointer() throws IOException {
        Platform wrong = seed("archetype", "{/data/filename}", "{/data/name}");
        simulator.addJob("archetype", SimJob.of("j", JobScript.always("COMPLETED"), SimFile.of("out/a.bin", 1)));
        assertThat(problem(() -> provider(wrong, "archetype").outputs("j", null))).startsWith("archetype job j: output #0: /data/name (in its path) is missing;"
                + " /data has the keys ref, filename");
    }

    @Test
    void aListedSha256GoesWithTheFileAndOneThatIsNotHexIsAProblem() throws IOException {
        Platform withSums = seed("archetype", "    size: /data/num_bytes",
                "    size: /data/num_bytes\n    sha256: /data/sha256");
        JobProvider provider = provider(withSums, "archetype");
        simulator.addJob("archetype", SimJob.of("j", JobScript.always("COMPLETED"), SimFile.of("out/a.bin", 1)));
        String sum = "ab".repeat(32);
        simulator.answerNext("/archetype/batch/jobs/j/outputs", 1, "{\"total\": 1, \"outputs\": [{\"port_name\": \"out\","
                + " \"data\": {\"ref\": \"https://s.example/a\", \"filename\": \"a.bin\", \"sha256\": \"" + sum + "\"}}]}");
        assertThat(provider.outputs("j", null).orElseThrow().files()).extracting(OutputFile::sha256).containsExactly(sum);
        simulator.answerNext("/archetype/batch/jobs/j/outputs", 1, "{\"total\": 1, \"outputs\": [{\"port_name\": \"out\","
                + " \"data\": {\"ref\": \"https://s.example/a\", \"filename\": \"a.bin\", \"sha256\": \"md5:1f\"}}]}");
        assertThat(problem(() -> provider.outputs("j", null))).isEqualTo("archetype job j: output #0: /data/sha256 is not a SHA-256 in hex:"
                + " md5:1f");
    }
}

package dev.jobharvester.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.common.OutputFile;
import dev.jobharvester.download.HttpClients;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.PixxelApi;
import dev.jobharvester.sim.RequestLog;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.provider.declared.DeclaredPlatform;
import dev.jobharvester.provider.declared.DeclaredPlatforms;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every platform's adapter must do, run against each platform's simulated API, as rclone runs one conformance
 * suite over every backend: its states mapped as its facts say, every file listed across pages, the key sent to its
 * API host in its own form and nowhere else, its errors told in its own words, and fresh locations once old ones
 * expire. A new platform runs it by registering itself and adding its simulator API.
 */
class ProviderContractTest {

    private static final int FILES = 230;

    @AutoClose
    private final Simulator simulator = Simulator.started();
    private final CloseableHttpClient http = HttpClients.create(2_000, 10_000, 8);

    /**
     * A platform adapter and the simulated API it is run against.
     *
     * @param api the simulated platform's name, which is also the adapter's
     */
    record Case(String label, Platform platform, String api) {
        @Override
        public String toString() {
            return label;
        }
    }

    /** The built-in platforms, and the seeds' platforms as declared in their platform files. */
    static Stream<Case> platforms() throws IOException {
        List<Case> cases = new ArrayList<>();
        for (String name : Providers.names()) {
            cases.add(new Case(name, Providers.platform(name), name));
        }
        for (String seed : List.of("tensorpool", "archetype")) {
            String location = "seed-platforms/" + seed + ".yaml";
            try (InputStream in = ProviderContractTest.class.getClassLoader().getResourceAsStream(location)) {
                Platform declared = DeclaredPlatforms.read(location, new String(in.readAllBytes(), StandardCharsets.UTF_8));
                cases.add(new Case(seed + " (declared)", declared, seed));
            }
        }
        return cases.stream();
    }

    @AfterEach
    void close() throws IOException {
        http.close();
    }

    private JobProvider provider(Case platform, String key) {
        return provider(platform, key, 0);
    }

    private JobProvider provider(Case platform, String key, int retries) {
        return Providers.create(platform.platform(), new ProviderOptions(platform.api(),
                simulator.apiUrl(platform.api()), key, retries, PixxelApi.WORKFLOW, 100, null, null), http);
    }

    private JobProvider provider(Case platform) {
        return provider(platform, simulator.apiKey(platform.api()));
    }

    private static String harvested(PlatformFacts facts) {
        return facts.defaultHarvestStates().iterator().next();
    }

    /** Every page of a finished job's outputs; a platform that prepares them first is asked until they are ready. */
    private static List<OutputFile> listAll(JobProvider provider, String jobId) throws IOException {
        List<OutputFile> files = new ArrayList<>();
        String page = null;
        do {
            Optional<OutputPage> listed = Optional.empty();
            for (int ask = 0; ask < 5 && listed.isEmpty(); ask++) {
                listed = provider.outputs(jobId, page);
            }
            assertThat(listed).as("%s: outputs of %s after 5 asks", provider.name(), jobId).isPresent();
            files.addAll(listed.get().files());
            page = listed.get().next();
        } while (page != null);
        return files;
    }

    private int status(OutputFile file, JobProvider provider) throws IOException {
        HttpGet get = new HttpGet(file.location());
        String authorization = provider.downloadAuthorization(file);
        if (authorization != null) {
            get.setHeader(HttpHeaders.AUTHORIZATION, authorization);
        }
        return http.execute(get, response -> {
            EntityUtils.consume(response.getEntity());
            return response.getCode();
        });
    }

    @ParameterizedTest
    @MethodSource("platforms")
    void itsFactsHoldTogether(Case platform) {
        PlatformFacts facts = platform.platform().facts();
        assertThat(facts.name()).isEqualTo(platform.api());
        assertThat(URI.create(facts.defaultApiUrl()).getScheme()).isEqualTo("https");
        assertThat(facts.terminalStates()).isNotEmpty().containsAll(facts.defaultHarvestStates())
                .containsAll(facts.reversibleStates());
        assertThat(facts.defaultHarvestStates()).isNotEmpty();
    }

    @ParameterizedTest
    @MethodSource("platforms")
    void aDeclaredSeedStatesTheFactsOfItsBuiltInAdapter(Case platform) {
        assumeThat(platform.platform()).as("declared").isInstanceOf(DeclaredPlatform.class);
        PlatformFacts declared = platform.platform().facts();
        PlatformFacts builtIn = Providers.platform(platform.api()).facts();
        assertThat(declared).usingRecursiveComparison().ignoringFields("outcomeFields").isEqualTo(builtIn);
        assertThat(declared.outcomeFields()).hasSameSizeAs(builtIn.outcomeFields());
    }

    @ParameterizedTest
    @MethodSource("platforms")
    void everyStateItsApiAnswersMapsAsItsFactsSay(Case platform) throws IOException {
        JobProvider provider = provider(platform);
        for (String state : provider.facts().states().keySet()) {
            String id = "state-" + state;
            simulator.addJob(platform.api(), SimJob.of(id, JobScript.always(state)));
            JobStatus status = provider.status(id);
            assertThat(status.state()).as("%s state %s", platform, state).isEqualTo(provider.facts().states().get(state));
            assertThat(status.providerState()).isEqualTo(state);
        }
    }

    @ParameterizedTest
    @MethodSource("platforms")
    void aFinishedJobListsEveryFileAcrossPagesAndEachLocationServesIt(Case platform) throws IOException {
        List<SimFile> files = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            files.add(SimFile.of("out/in-" + (i % 3) + "/f-" + i + ".bin", 100 + i));
        }
        JobProvider provider = provider(platform);
        simulator.addJob(platform.api(), SimJob.of("many", JobScript.always(harvested(provider.facts())), files));
        List<OutputFile> listed = listAll(provider, "many");
        if (platform.api().equals("pixxel")) {
            // Pixxel hands out one package of the job's outputs.
            assertThat(listed).extracting(OutputFile::path).containsExactly(PixxelApi.PACKAGE);
        } else {
            assertThat(listed).extracting(OutputFile::path)
                    .containsExactlyInAnyOrderElementsOf(files.stream().map(SimFile::path).toList());
        }
        for (OutputFile file : listed.subList(0, Math.min(listed.size(), 20))) {
            assertThat(status(file, provider)).as("GET %s", file.path()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @MethodSource("platforms")
    void theKeyGoesToItsApiHostInItsOwnFormAndNowhereElse(Case platform) throws IOException {
        JobProvider provider = provider(platform);
        simulator.addJob(platform.api(), SimJob.of("keyed", JobScript.always(harvested(provider.facts())),
                SimFile.of("a/b/c.txt", 10)));
        provider.status("keyed");
        for (OutputFile file : listAll(provider, "keyed")) {
            assertThat(status(file, provider)).isEqualTo(200);
        }
        String key = simulator.apiKey(platform.api());
        List<RequestLog.Entry> requests = simulator.requests().entries();
        assertThat(requests).filteredOn(e -> e.host().equals("api")).isNotEmpty()
                .allSatisfy(e -> assertThat(e.authorization()).isEqualTo(provider.facts().keyForm().header(key)));
        assertThat(requests).filteredOn(e -> e.host().equals("storage"))
                .allSatisfy(e -> assertThat(e.rawRequest()).doesNotContain(key));
    }

    @ParameterizedTest
    @MethodSource("platforms")
    void aWrongKeyIsToldInThePlatformsOwnWords(Case platform) {
        simulator.addJob(platform.api(), SimJob.of("j", JobScript.always("running")));
        ProviderException refused = catchThrowableOfType(ProviderException.class,
                () -> provider(platform, "not-the-key").status("j"));
        assertThat(refused).as("%s with a wrong key", platform).isNotNull();
        assertThat(refused.httpStatus()).isIn(401, 403);
        assertThat(refused.isTransient()).isFalse();
        assertThat(refused.getMessage()).startsWith(platform.api() + " job j: ").matches("(?s).* answered 40[13]: .+")
                .doesNotContain("not-the-key");
    }

    @ParameterizedTest
    @MethodSource("platforms")
    void aPassingFaultIsAskedAgainAndAnAnswerThatIsNotJsonIsToldPlainly(Case platform) throws IOException {
        JobProvider provider = provider(platform, simulator.apiKey(platform.api()), 3);
        String harvested = harvested(provider.facts());
        simulator.addJob(platform.api(), SimJob.of("shaky", JobScript.always(harvested), SimFile.of("out/a.bin", 10)));
        simulator.failNext("/" + platform.api() + "/", 2, 503, "0");
        assertThat(provider.status("shaky").providerState()).isEqualTo(harvested);
        assertThat(simulator.requests().entries()).filteredOn(e -> e.host().equals("api")).hasSize(3);

        simulator.answerNext("/" + platform.api() + "/", 1, "<html>502 Bad Gateway</html>");
        ProviderException garbled = catchThrowableOfType(ProviderException.class, () -> provider.status("shaky"));
        assertThat(garbled).as("%s answering HTML", platform).isNotNull();
        assertThat(garbled.getMessage()).startsWith(platform.api() + " job shaky: ").contains("not JSON");
        assertThat(listAll(provider, "shaky")).isNotEmpty();
    }

    @ParameterizedTest
    @MethodSource("platforms")
    void anExpiredLocationIsFreshOnceListedAgain(Case platform) throws IOException {
        simulator.urlTtl(Duration.ofSeconds(1));
        JobProvider provider = provider(platform);
        simulator.addJob(platform.api(), SimJob.of("expiring", JobScript.always(harvested(provider.facts())),
                SimFile.of("x/y/z.bin", 1_000)));
        OutputFile first = listAll(provider, "expiring").get(0);
        assumeThat(first.location().toString()).as("served by its API host, which does not expire")
                .doesNotStartWith(provider.api().baseUrl());
        await().atMost(Duration.ofSeconds(10)).until(() -> status(first, provider) == 403);
        OutputFile fresh = listAll(provider, "expiring").get(0);
        assertThat(fresh.path()).isEqualTo(first.path());
        assertThat(status(fresh, provider)).isEqualTo(200);
    }
}

package dev.jobharvester.component;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobharvester.common.OutputFile;
import dev.jobharvester.download.DownloadPolicy;
import dev.jobharvester.download.HttpClients;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.ProviderOptions;
import dev.jobharvester.provider.Providers;
import dev.jobharvester.sim.ArchetypeApi;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Replacing expired locations against the simulated APIs: one listing serves every file of the page that expired with
 * it, a listing that hands back the very location that failed, or one about to expire, is not reused, and a fresh
 * location on a host not allowed is refused like a first one.
 */
class FreshLocationsTest {

    @AutoClose
    private final Simulator simulator = Simulator.started();
    @AutoClose
    private final CloseableHttpClient http = HttpClients.create(2_000, 5_000, 4);
    private final List<String> listings = new CopyOnWriteArrayList<>();

    @Test
    void oneListingServesThePageAndTheLocationThatFailedIsListedAgain() throws Exception {
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("j", JobScript.always("completed"), SimFile.of("a.bin", 10),
                SimFile.of("b.bin", 20)));
        FreshLocations fresh = new FreshLocations(provider(TensorPoolApi.NAME), new DownloadPolicy(Set.of("127.0.0.1"),
                true));
        TrackedJob job = new TrackedJob("j", "tensorpool/j");
        simulator.onApiCall(path -> {
            if (!path.startsWith("/job/info")) {
                listings.add(path);
            }
        });

        OutputFile a = fresh.of(job, expired("a.bin")).orElseThrow();
        OutputFile b = fresh.of(job, expired("b.bin")).orElseThrow();
        assertThat(listings).as("b.bin's fresh location comes from a.bin's listing").hasSize(1);
        assertThat(a.url()).isNotEqualTo(expired("a.bin").url());
        assertThat(b.path()).isEqualTo("b.bin");

        fresh.of(job, a);
        assertThat(listings).as("the listing handed out the location that failed: it is listed again").hasSize(2);
    }

    @Test
    void aListedLocationAboutToExpireIsNotHandedOutAgain() throws Exception {
        // Shorter than the life a reused location must have left: every location is about to expire when reused.
        simulator.urlTtl(Duration.ofMillis(400));
        simulator.addJob(ArchetypeApi.NAME, SimJob.of("job_fresh0000000000000001", JobScript.always("COMPLETED"),
                SimFile.of("out/a.bin", 10), SimFile.of("out/b.bin", 20)));
        FreshLocations fresh = new FreshLocations(provider(ArchetypeApi.NAME), new DownloadPolicy(Set.of("127.0.0.1"),
                true));
        TrackedJob job = new TrackedJob("job_fresh0000000000000001", "archetype/job_fresh0000000000000001");
        simulator.onApiCall(path -> {
            if (path.endsWith("/outputs")) {
                listings.add(path);
            }
        });

        OutputFile a = fresh.of(job, expired("out/a.bin")).orElseThrow();
        OutputFile b = fresh.of(job, expired("out/b.bin")).orElseThrow();
        assertThat(listings).as("a.bin's listing had b.bin's location about to expire: listed again").hasSize(2);
        assertThat(b.expiresAt()).isAfter(a.expiresAt());
    }

    @Test
    void aRelistedLocationOnAHostNotAllowedIsRefused() throws Exception {
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("j", JobScript.always("completed"),
                SimFile.of("a.bin", 10).listedAt("http://localhost:9/secret")));
        FreshLocations fresh = new FreshLocations(provider(TensorPoolApi.NAME), new DownloadPolicy(Set.of("127.0.0.1"),
                true));

        assertThatThrownBy(() -> fresh.of(new TrackedJob("j", "tensorpool/j"), expired("a.bin")))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("tensorpool/j/a.bin: refused to fetch http://localhost:9/secret")
                .hasMessageContaining("'localhost' is not among the allowed hosts");
    }

    private JobProvider provider(String platform) {
        return Providers.create(Providers.platform(platform), new ProviderOptions(platform, simulator.apiUrl(platform),
                simulator.apiKey(platform), 3, null, 100, null, null), http);
    }

    private static OutputFile expired(String path) {
        return OutputFile.of(path, URI.create("http://127.0.0.1:1/expired/" + path), -1);
    }
}

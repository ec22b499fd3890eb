package dev.jobharvester.provider;

import dev.jobharvester.component.JobOutputsConfiguration;
import dev.jobharvester.provider.archetype.ArchetypeProvider;
import dev.jobharvester.provider.chutes.ChutesProvider;
import dev.jobharvester.provider.pixxel.PixxelProvider;
import dev.jobharvester.provider.tensorpool.TensorPoolProvider;
import java.util.List;
import java.util.Map;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;

/** Builds the provider adapter a job-outputs URI names. */
public final class Providers {

    /** The provider names, as they appear in {@code job-outputs:<name>}. */
    public static final List<String> NAMES = List.of(TensorPoolProvider.NAME, PixxelProvider.NAME,
            ArchetypeProvider.NAME, ChutesProvider.NAME);

    private Providers() {
    }

    /** @throws IllegalArgumentException for an unknown provider name or a missing provider option */
    public static JobProvider create(JobOutputsConfiguration configuration, CloseableHttpClient http) {
        String name = configuration.getProvider();
        String key = configuration.getApiKey();
        int retries = configuration.getApiRetries();
        switch (name == null ? "" : name) {
            case TensorPoolProvider.NAME:
                return new TensorPoolProvider(new ApiClient(name, http,
                        apiUrl(configuration), "Bearer " + key,
                        TensorPoolProvider::errorMessage, retries));
            case PixxelProvider.NAME:
                // Pixxel's examples all send the raw key, without a Bearer prefix.
                return new PixxelProvider(new ApiClient(name, http, apiUrl(configuration),
                        key, PixxelProvider::errorMessage, retries), String.valueOf(configuration.getWorkflowId()));
            case ArchetypeProvider.NAME:
                if (configuration.getPageSize() < 1 || configuration.getPageSize() > 100) {
                    throw new IllegalArgumentException("job-outputs:archetype: pageSize must be between 1 and 100, not "
                            + configuration.getPageSize());
                }
                return new ArchetypeProvider(new ApiClient(name, http,
                        apiUrl(configuration), "Bearer " + key,
                        ArchetypeProvider::errorMessage, retries), configuration.getPageSize(), configuration.getPortName(),
                        configuration.getInputId());
            case ChutesProvider.NAME:
                // Chutes reads the last word of the header; a Bearer token not starting with cpk_ would be taken as a JWT.
                return new ChutesProvider(new ApiClient(name, http, apiUrl(configuration),
                        key, ChutesProvider::errorMessage, retries));
            default:
                break;
        }
        throw new IllegalArgumentException("unknown provider '" + name + "'; known providers: " + String.join(", ", NAMES));
    }

    private static final Map<String, String> DEFAULT_API_URLS = Map.of(
            TensorPoolProvider.NAME, TensorPoolProvider.DEFAULT_API_URL,
            PixxelProvider.NAME, PixxelProvider.DEFAULT_API_URL,
            ArchetypeProvider.NAME, ArchetypeProvider.DEFAULT_API_URL,
            ChutesProvider.NAME, ChutesProvider.DEFAULT_API_URL);

    /** The API base URL the route talks to: its apiUrl option, or the platform's public API. */
    public static String apiUrl(JobOutputsConfiguration configuration) {
        String url = configuration.getApiUrl();
        return url == null || url.isBlank() ? DEFAULT_API_URLS.getOrDefault(configuration.getProvider(), "") : url;
    }
}

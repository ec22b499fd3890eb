package dev.jobharvester.provider;

import dev.jobharvester.component.JobOutputsConfiguration;
import dev.jobharvester.provider.tensorpool.TensorPoolProvider;
import java.util.List;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;

/** Builds the provider adapter a job-outputs URI names. */
public final class Providers {

    /** The provider names, as they appear in {@code job-outputs:<name>}. */
    public static final List<String> NAMES = List.of(TensorPoolProvider.NAME);

    private Providers() {
    }

    /** @throws IllegalArgumentException for an unknown provider name or a missing provider option */
    public static JobProvider create(JobOutputsConfiguration configuration, CloseableHttpClient http) {
        String name = configuration.getProvider();
        String key = configuration.getApiKey();
        if (TensorPoolProvider.NAME.equals(name)) {
            return new TensorPoolProvider(new ApiClient(name, http, apiUrl(configuration, TensorPoolProvider.DEFAULT_API_URL),
                    "Bearer " + key, TensorPoolProvider::errorMessage));
        }
        throw new IllegalArgumentException("unknown provider '" + name + "'; known providers: " + String.join(", ", NAMES));
    }

    private static String apiUrl(JobOutputsConfiguration configuration, String fallback) {
        String url = configuration.getApiUrl();
        return url == null || url.isBlank() ? fallback : url;
    }
}

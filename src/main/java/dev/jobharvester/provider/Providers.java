package dev.jobharvester.provider;

import dev.jobharvester.provider.tensorpool.TensorPoolProvider;
import java.util.List;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;

/** Builds the provider adapter a job-outputs URI names. */
public final class Providers {

    /** The provider names, as they appear in {@code job-outputs:<name>}. */
    public static final List<String> NAMES = List.of(TensorPoolProvider.NAME);

    private Providers() {
    }

    /**
     * @param apiUrl the API base URL, or null for the platform's public API
     * @throws IllegalArgumentException for an unknown provider name
     */
    public static JobProvider create(String name, String apiUrl, String apiKey, CloseableHttpClient http) {
        if (TensorPoolProvider.NAME.equals(name)) {
            String base = apiUrl == null || apiUrl.isBlank() ? TensorPoolProvider.DEFAULT_API_URL : apiUrl;
            return new TensorPoolProvider(new ApiClient(name, http, base, "Bearer " + apiKey,
                    TensorPoolProvider::errorMessage));
        }
        throw new IllegalArgumentException("unknown provider '" + name + "'; known providers: " + String.join(", ", NAMES));
    }
}

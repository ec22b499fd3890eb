package dev.jobharvester.provider;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;

/** The platforms registered on the class path ({@link ServiceLoader}), and the adapter a route's options name. */
public final class Providers {

    private static final Map<String, Platform> PLATFORMS = load();

    private Providers() {
    }

    private static Map<String, Platform> load() {
        Map<String, Platform> platforms = new TreeMap<>();
        for (Platform platform : ServiceLoader.load(Platform.class, Providers.class.getClassLoader())) {
            Platform twin = platforms.put(platform.facts().name(), platform);
            if (twin != null) {
                throw new IllegalStateException("two platforms are named '" + platform.facts().name() + "': "
                        + twin.getClass().getName() + " and " + platform.getClass().getName());
            }
        }
        return Collections.unmodifiableMap(platforms);
    }

    /** The names of the platforms registered, in order. */
    public static Set<String> names() {
        return PLATFORMS.keySet();
    }

    /** @throws IllegalArgumentException naming the known platforms, when none is called so */
    public static Platform platform(String name) {
        Platform platform = PLATFORMS.get(name == null ? "" : name);
        if (platform == null) {
            throw new IllegalArgumentException("unknown provider '" + name + "'; known providers: "
                    + String.join(", ", PLATFORMS.keySet()));
        }
        return platform;
    }

    /**
     * The adapter of the platform the options name, its options checked.
     *
     * @throws IllegalArgumentException for an unknown provider name or an option the platform refuses
     */
    public static JobProvider create(ProviderOptions options, CloseableHttpClient http) {
        Platform platform = platform(options.provider());
        PlatformFacts facts = platform.facts();
        platform.check(options);
        ApiClient api = new ApiClient(facts.name(), http, apiUrl(options), facts.keyForm().header(options.apiKey()),
                platform::errorMessage, options.apiRetries());
        return platform.connect(api, options);
    }

    /** Fails, saying what to set, when the platform cannot be asked: no API key, or what else its API needs. */
    public static void requireCredentials(ProviderOptions options) {
        Platform platform = platform(options.provider());
        if (options.apiKey() == null || options.apiKey().isBlank()) {
            throw new IllegalArgumentException("job-outputs:" + options.provider() + ": apiKey is empty; set it from"
                    + " the environment, e.g. {{env:" + options.provider().toUpperCase(Locale.ROOT) + "_KEY}}");
        }
        platform.checkCalls(options);
    }

    /** The API base URL a route talks to: its apiUrl option, or the platform's public API. */
    public static String apiUrl(ProviderOptions options) {
        String url = options.apiUrl();
        return url == null || url.isBlank() ? platform(options.provider()).facts().defaultApiUrl() : url;
    }
}

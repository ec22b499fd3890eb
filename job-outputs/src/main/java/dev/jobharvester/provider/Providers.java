package dev.jobharvester.provider;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
        return platform(name, Map.of());
    }

    /**
     * The platform of that name, built in or among those declared in platform files.
     *
     * @throws IllegalArgumentException naming the known platforms, when none is called so
     */
    public static Platform platform(String name, Map<String, ? extends Platform> declared) {
        Platform platform = PLATFORMS.getOrDefault(name == null ? "" : name, declared.get(name));
        if (platform == null) {
            Set<String> known = new TreeSet<>(PLATFORMS.keySet());
            known.addAll(declared.keySet());
            throw new IllegalArgumentException("unknown provider '" + name + "'; known providers: "
                    + String.join(", ", known) + (declared.isEmpty() ? " (and none declared in platform files)" : ""));
        }
        return platform;
    }

    /**
     * The adapter of that platform for the options, its options checked.
     *
     * @throws IllegalArgumentException for an option the platform refuses
     */
    public static JobProvider create(Platform platform, ProviderOptions options, CloseableHttpClient http) {
        PlatformFacts facts = platform.facts();
        platform.check(options);
        ApiClient api = new ApiClient(facts.name(), http, apiUrl(platform, options), facts.keyForm().header(options.apiKey()),
                platform::errorMessage, options.apiRetries());
        return platform.connect(api, options);
    }

    /** Fails, saying what to set, when the platform cannot be asked: no API key, or what else its API needs. */
    public static void requireCredentials(Platform platform, ProviderOptions options) {
        if (options.apiKey() == null || options.apiKey().isBlank()) {
            throw new IllegalArgumentException("job-outputs:" + options.provider() + ": apiKey is empty; set it from"
                    + " the environment, e.g. {{env:" + options.provider().toUpperCase(Locale.ROOT) + "_KEY}}");
        }
        platform.checkCalls(options);
    }

    /** The API base URL a route talks to: its apiUrl option, or the platform's public API. */
    public static String apiUrl(Platform platform, ProviderOptions options) {
        String url = options.apiUrl();
        return url == null || url.isBlank() ? platform.facts().defaultApiUrl() : url;
    }
}

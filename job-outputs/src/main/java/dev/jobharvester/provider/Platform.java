package dev.jobharvester.provider;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One platform: its facts, the reading of its API's errors, its own option checks, and its adapter. Each platform's
 * package registers one in {@code META-INF/services/dev.jobharvester.provider.Platform}, so adding a platform
 * touches its own package, its simulator API and its tests only.
 */
public abstract class Platform {

    private final PlatformFacts facts;

    /** @param factsResource the JSON file of its {@link PlatformFacts}, beside the subclass */
    protected Platform(String factsResource) {
        this.facts = PlatformFacts.read(getClass(), factsResource);
    }

    /** A platform whose facts were read elsewhere (a declared platform's file). */
    protected Platform(PlatformFacts facts) {
        this.facts = facts;
    }

    public final PlatformFacts facts() {
        return facts;
    }

    /** The human message in one of the API's error bodies, or null. */
    public abstract String errorMessage(JsonNode body);

    /**
     * Checks the options this platform reads, whether or not the route has jobs yet.
     *
     * @throws IllegalArgumentException naming the option and what to set
     */
    public void check(ProviderOptions options) {
    }

    /**
     * Checks what the API needs beyond a key before the route calls it (it has jobs to harvest).
     *
     * @throws IllegalArgumentException naming the option and what to set
     */
    public void checkCalls(ProviderOptions options) {
    }

    /** The adapter that reads jobs and outputs through that API client. */
    public abstract JobProvider connect(ApiClient api, ProviderOptions options);
}

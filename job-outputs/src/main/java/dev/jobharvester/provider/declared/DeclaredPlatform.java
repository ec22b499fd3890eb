package dev.jobharvester.provider.declared;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.provider.ApiClient;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.Platform;
import dev.jobharvester.provider.PlatformFacts;
import dev.jobharvester.provider.ProviderOptions;
import java.util.List;

/**
 * A platform described in a file ({@code platforms/NAME.yaml}) instead of Java: its facts and its requests, read and
 * checked by {@link DescriptionReader}. Everything else (retries, the circuit breaker, expiry re-listing, resume,
 * parking, the manifest, JMX) is the same as for a built-in platform.
 */
public final class DeclaredPlatform extends Platform {

    /** How a job's state is asked. */
    record StatusCall(Listing.CallSpec call, JsonPointer state) {
    }

    /** How one listed item becomes an output file. */
    record Files(Template path, Template url, Template fetch, JsonPointer size, JsonPointer expires,
            JsonPointer sha256) {
    }

    /** The job list, where the platform has one. */
    record JobList(Listing listing, JsonPointer id, JsonPointer state, JsonPointer created) {
    }

    /**
     * Everything its adapter asks the API and reads from the answers.
     *
     * @param notReady a pointer that holds a value while the outputs cannot be listed yet, or null
     * @param jobs     its job list, or null
     */
    record Calls(StatusCall status, Listing outputs, JsonPointer notReady, Files files, JobList jobs) {
    }

    private final String location;
    private final List<JsonPointer> errorMessage;
    private final Calls calls;

    DeclaredPlatform(String location, PlatformFacts facts, List<JsonPointer> errorMessage, Calls calls) {
        super(facts);
        this.location = location;
        this.errorMessage = errorMessage;
        this.calls = calls;
    }

    /** The file it was read from. */
    public String location() {
        return location;
    }

    @Override
    public String errorMessage(JsonNode body) {
        for (JsonPointer pointer : errorMessage) {
            JsonNode message = body.at(pointer);
            if (message.isValueNode() && !message.isNull() && !message.asText().isBlank()) {
                return message.asText();
            }
            if (message.isContainerNode() && !message.isEmpty()) {
                return message.toString();
            }
        }
        return null;
    }

    @Override
    public JobProvider connect(ApiClient api, ProviderOptions options) {
        return new DeclaredProvider(facts(), api, calls);
    }
}

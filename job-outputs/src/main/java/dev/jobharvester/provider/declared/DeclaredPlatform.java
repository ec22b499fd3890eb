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

    private final String location;
    private final List<JsonPointer> errorMessage;
    private final StatusCall status;
    private final Listing outputs;
    private final JsonPointer notReady;
    private final Files files;
    private final JobList jobs;

    DeclaredPlatform(String location, PlatformFacts facts, List<JsonPointer> errorMessage, StatusCall status,
            Listing outputs, JsonPointer notReady, Files files, JobList jobs) {
        super(facts);
        this.location = location;
        this.errorMessage = errorMessage;
        this.status = status;
        this.outputs = outputs;
        this.notReady = notReady;
        this.files = files;
        this.jobs = jobs;
    }

    /** The file it was read from. */
    public String location() {
        return location;
    }

    @Override
    public String errorMessage(JsonNode body) {
        for (JsonNode message : errorMessage.stream().map(body::at).toList()) {
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
        return new DeclaredProvider(facts(), api, status, outputs, notReady, files, jobs);
    }
}

package dev.jobharvester.provider.pixxel;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.provider.ApiClient;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.JsonFields;
import dev.jobharvester.provider.Platform;
import dev.jobharvester.provider.ProviderOptions;

/**
 * Pixxel (facts in {@code pixxel.json}). The key goes raw: Pixxel's examples all send it without a Bearer prefix.
 * Pixxel does not say where its packages are stored: the two usual clouds are allowed.
 */
public final class PixxelPlatform extends Platform {

    public PixxelPlatform() {
        super("pixxel.json");
    }

    /** Pixxel's errors are {@code {"error":{code,message,details}}}. */
    @Override
    public String errorMessage(JsonNode body) {
        String message = JsonFields.firstText(body.path("error"), "message", "code");
        return message != null ? message : JsonFields.firstText(body, "message", "detail");
    }

    /** Pixxel jobs live under a workflow. */
    @Override
    public void checkCalls(ProviderOptions options) {
        if (options.workflowId() == null || options.workflowId().isBlank()) {
            throw new IllegalArgumentException("job-outputs:pixxel: workflowId is empty; Pixxel jobs live under a"
                    + " workflow: set it, e.g. from {{env:PIXXEL_WORKFLOW_ID}}");
        }
    }

    @Override
    public JobProvider connect(ApiClient api, ProviderOptions options) {
        return new PixxelProvider(facts(), api, String.valueOf(options.workflowId()));
    }
}

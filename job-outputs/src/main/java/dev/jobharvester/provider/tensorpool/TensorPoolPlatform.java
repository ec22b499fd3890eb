package dev.jobharvester.provider.tensorpool;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.provider.ApiClient;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.JsonFields;
import dev.jobharvester.provider.Platform;
import dev.jobharvester.provider.ProviderOptions;

/** TensorPool (facts in {@code tensorpool.json}): a Bearer key; {@code canceled} with one l. */
public final class TensorPoolPlatform extends Platform {

    public TensorPoolPlatform() {
        super("tensorpool.json");
    }

    /** TensorPool's errors carry {@code message}, else {@code error}, else {@code external_message}, as its CLI reads them. */
    @Override
    public String errorMessage(JsonNode body) {
        String message = JsonFields.firstText(body, "message", "error", "external_message");
        return message != null ? message : body.path("detail").toString();
    }

    @Override
    public JobProvider connect(ApiClient api, ProviderOptions options) {
        return new TensorPoolProvider(facts(), api);
    }
}

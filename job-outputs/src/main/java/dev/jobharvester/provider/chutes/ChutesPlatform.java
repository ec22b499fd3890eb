package dev.jobharvester.provider.chutes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.provider.ApiClient;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.Platform;
import dev.jobharvester.provider.ProviderOptions;

/**
 * Chutes (facts in {@code chutes.json}). The key goes raw: Chutes reads the last word of the header, and a Bearer
 * token not starting with {@code cpk_} would be taken as a JWT. Its job has no status field: {@code running} and
 * {@code finished} are the harvester's names. Files come from the API host itself, so no storage host is listed.
 */
public final class ChutesPlatform extends Platform {

    public ChutesPlatform() {
        super("chutes.json");
    }

    /** Chutes' errors are FastAPI's {@code {"detail": "..."}}, a list for validation errors. */
    @Override
    public String errorMessage(JsonNode body) {
        JsonNode detail = body.path("detail");
        return detail.isTextual() ? detail.asText() : detail.isMissingNode() ? null : detail.toString();
    }

    @Override
    public JobProvider connect(ApiClient api, ProviderOptions options) {
        return new ChutesProvider(facts(), api);
    }
}

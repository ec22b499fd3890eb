package dev.jobharvester.provider.archetype;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.provider.ApiClient;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.JsonFields;
import dev.jobharvester.provider.Platform;
import dev.jobharvester.provider.ProviderOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * Archetype AI (facts in {@code archetype.json}): a Bearer key, UPPERCASE states, {@code CANCELLED} with two l; a
 * FAILED or CANCELLED job can be retried back to PENDING, so it stays watched.
 */
public final class ArchetypePlatform extends Platform {

    /** The API's own limit on {@code limit}. */
    private static final int MAX_PAGE_SIZE = 100;

    public ArchetypePlatform() {
        super("archetype.json");
    }

    /** Archetype's errors are {@code {"errors":[{code,message,...}]}}, or {@code {"detail":"..."}} on some auth failures. */
    @Override
    public String errorMessage(JsonNode body) {
        List<String> messages = new ArrayList<>();
        body.path("errors").forEach(e -> {
            String message = JsonFields.firstText(e, "message", "code");
            if (message != null) {
                messages.add(message);
            }
        });
        return messages.isEmpty() ? JsonFields.firstText(body, "detail", "message") : String.join("; ", messages);
    }

    @Override
    public void check(ProviderOptions options) {
        if (options.pageSize() < 1 || options.pageSize() > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("job-outputs:archetype: pageSize must be between 1 and "
                    + MAX_PAGE_SIZE + ", not " + options.pageSize());
        }
    }

    @Override
    public JobProvider connect(ApiClient api, ProviderOptions options) {
        return new ArchetypeProvider(facts(), api, options.pageSize(), options.portName(), options.inputId());
    }
}

package dev.jobharvester.provider.tensorpool;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.provider.ApiClient;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.JobState;
import dev.jobharvester.provider.JobStates;
import dev.jobharvester.provider.JobStatus;
import dev.jobharvester.provider.JsonFields;
import dev.jobharvester.provider.OutputFile;
import dev.jobharvester.provider.OutputPage;
import dev.jobharvester.provider.ProviderException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * TensorPool: {@code GET /job/info/{id}} for the state, {@code GET /job/pull/{id}} for a map of relative paths to
 * presigned URLs. Bearer auth on the API; the presigned URLs are fetched without it.
 */
public class TensorPoolProvider implements JobProvider {

    public static final String NAME = "tensorpool";
    public static final String DEFAULT_API_URL = "https://engine.tensorpool.dev";

    private static final JobStates STATES = new JobStates(NAME, Map.of(
            "pending", JobState.PENDING,
            "running", JobState.RUNNING,
            "canceling", JobState.RUNNING,
            "completed", JobState.SUCCEEDED,
            "error", JobState.FAILED,
            "failed", JobState.FAILED,
            "canceled", JobState.CANCELED));

    private final ApiClient api;

    public TensorPoolProvider(ApiClient api) {
        this.api = api;
    }

    /** TensorPool's errors carry {@code message}, else {@code error}, else {@code external_message}, as its CLI reads them. */
    public static String errorMessage(JsonNode body) {
        String message = JsonFields.firstText(body, "message", "error", "external_message");
        return message != null ? message : body.path("detail").toString();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ApiClient api() {
        return api;
    }

    @Override
    public Set<String> terminalStates() {
        return Set.of("completed", "error", "failed", "canceled");
    }

    @Override
    public Set<String> defaultHarvestStates() {
        return Set.of("completed");
    }

    @Override
    public JobStatus status(String jobId) throws IOException {
        JsonNode body = api.get(jobId, "/job/info/" + ApiClient.encode(jobId));
        JsonNode info = JsonFields.object(body, "job_info", NAME, jobId);
        return STATES.of(jobId, JsonFields.text(info, "status", NAME, jobId).toLowerCase(Locale.ROOT));
    }

    @Override
    public Optional<OutputPage> outputs(String jobId, String page) throws IOException {
        JsonNode body = api.get(jobId, "/job/pull/" + ApiClient.encode(jobId));
        JsonNode map = body.get("download_map");
        boolean noMap = map == null || map.isNull() || map.isEmpty();
        String command = JsonFields.firstText(body, "command");
        if (noMap && command != null) {
            // The instance is still live: TensorPool offers rsync instead of URLs. Wait for the presigned URLs.
            return Optional.empty();
        }
        if (noMap) {
            return Optional.of(OutputPage.last(List.of()));
        }
        if (!map.isObject()) {
            throw new ProviderException(NAME, jobId, "field 'download_map' is not an object");
        }
        List<OutputFile> files = new ArrayList<>(map.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode url = entry.getValue();
            if (url == null || !url.isTextual() || url.asText().isBlank()) {
                throw new ProviderException(NAME, jobId, "download_map entry '" + entry.getKey() + "' has no URL");
            }
            files.add(OutputFile.of(entry.getKey(), parseUrl(jobId, entry.getKey(), url.asText()), -1));
        }
        return Optional.of(OutputPage.last(files));
    }

    private static URI parseUrl(String jobId, String path, String url) throws ProviderException {
        try {
            return URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ProviderException(NAME, jobId, "download_map entry '" + path + "' is not a valid URL");
        }
    }
}

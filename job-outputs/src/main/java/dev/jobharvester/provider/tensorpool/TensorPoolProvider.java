package dev.jobharvester.provider.tensorpool;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.provider.ApiClient;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.JobStatus;
import dev.jobharvester.provider.JsonFields;
import dev.jobharvester.common.OutputFile;
import dev.jobharvester.provider.OutputPage;
import dev.jobharvester.provider.PlatformFacts;
import dev.jobharvester.provider.ProviderException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * TensorPool: {@code GET /job/info/{id}} for the state, {@code GET /job/pull/{id}} for a map of relative paths to
 * presigned URLs. Bearer auth on the API; the presigned URLs are fetched without it.
 */
public class TensorPoolProvider extends JobProvider {

    TensorPoolProvider(PlatformFacts facts, ApiClient api) {
        super(facts, api);
    }

    @Override
    public JobStatus status(String jobId) throws IOException {
        JsonNode body = api().get(jobId, "/job/info/" + ApiClient.encode(jobId));
        JsonNode info = JsonFields.object(body, "job_info", name(), jobId);
        return facts().status(jobId, JsonFields.text(info, "status", name(), jobId).toLowerCase(Locale.ROOT), info);
    }

    @Override
    public Optional<OutputPage> outputs(String jobId, String page) throws IOException {
        JsonNode body = api().get(jobId, "/job/pull/" + ApiClient.encode(jobId));
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
            throw problem(jobId, "field 'download_map' is not an object");
        }
        List<OutputFile> files = new ArrayList<>(map.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode url = entry.getValue();
            if (url == null || !url.isTextual() || url.asText().isBlank()) {
                throw problem(jobId, "download_map entry '" + entry.getKey() + "' has no URL");
            }
            files.add(OutputFile.of(entry.getKey(), parseUrl(jobId, entry.getKey(), url.asText()), -1));
        }
        return Optional.of(OutputPage.last(files));
    }

    private URI parseUrl(String jobId, String path, String url) throws ProviderException {
        try {
            return URI.create(url);
        } catch (IllegalArgumentException e) {
            throw problem(jobId, "download_map entry '" + path + "' is not a valid URL");
        }
    }
}

package dev.jobharvester.provider.chutes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.provider.ApiClient;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.JobStatus;
import dev.jobharvester.provider.JsonFields;
import dev.jobharvester.common.OutputFile;
import dev.jobharvester.provider.OutputPage;
import dev.jobharvester.provider.PlatformFacts;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chutes: {@code GET /jobs/{id}} has no status field, so a job is done when {@code finished_at} is set (its state
 * is called {@code finished} here). Its files are the {@code output_files} entries with {@code uploaded: true},
 * served by the API host itself from {@code GET /jobs/{id}/download/{file_id}}: those downloads carry the key.
 * Chutes has no job list.
 */
public class ChutesProvider extends JobProvider {

    private static final Logger LOG = LoggerFactory.getLogger(ChutesProvider.class);

    ChutesProvider(PlatformFacts facts, ApiClient api) {
        super(facts, api);
    }

    @Override
    public JobStatus status(String jobId) throws IOException {
        JsonNode job = api().get(jobId, path(jobId));
        JobStatus status = facts().status(jobId, job.hasNonNull("finished_at") ? "finished" : "running");
        return new JobStatus(status.state(), status.providerState(), status.state().isTerminal() ? outcome(job) : null);
    }

    /**
     * Chutes keeps a job's status and error to itself; what it shows of the outcome is {@code result}, and a job that
     * failed or was cancelled ends without a result or files.
     */
    private static String outcome(JsonNode job) {
        JsonNode result = job.path("result");
        if (result.isObject()) {
            return "result: " + result;
        }
        return job.path("output_files").isObject() ? "no result"
                : "no result and no output files: the job failed or was cancelled (Chutes does not say which)";
    }

    @Override
    public Optional<OutputPage> outputs(String jobId, String page) throws IOException {
        JsonNode files = api().get(jobId, path(jobId)).path("output_files");
        List<OutputFile> uploaded = new ArrayList<>();
        List<OutputPage.Unavailable> missing = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> entry = it.next();
            String name = JsonFields.text(entry.getValue(), "filename", name(), jobId);
            if (!entry.getValue().path("uploaded").asBoolean(false)) {
                LOG.info("{} job {}: {} was never uploaded by the job; nothing to fetch", name(), jobId, name);
                missing.add(new OutputPage.Unavailable(name, "never uploaded by the job"));
                continue;
            }
            URI location = URI.create(api().baseUrl() + path(jobId) + "/download/" + ApiClient.encode(entry.getKey()));
            uploaded.add(OutputFile.of(name, location, -1));
        }
        return Optional.of(new OutputPage(uploaded, null, missing));
    }

    @Override
    public String downloadAuthorization(OutputFile file) {
        return api().authorizationFor(file.location());
    }

    private static String path(String jobId) {
        return "/jobs/" + ApiClient.encode(jobId);
    }
}

package dev.jobharvester.provider.pixxel;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.provider.ApiClient;
import dev.jobharvester.provider.DiscoveryFilter;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.JobStatus;
import dev.jobharvester.provider.JsonFields;
import dev.jobharvester.common.OutputFile;
import dev.jobharvester.provider.OutputPage;
import dev.jobharvester.provider.PlatformFacts;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Pixxel: the job's state from {@code GET /v0/workflows/{w}/jobs/{j}}; its outputs as one ZIP package that
 * {@code PUT .../download} prepares. There is no GET for the package's state, so the PUT is repeated at each poll
 * until it answers ready with a signed URL. The API key is sent raw, without a Bearer prefix.
 */
public class PixxelProvider extends JobProvider {

    /** The name the job's package gets in the job's folder. */
    public static final String PACKAGE = "package.zip";

    private static final Set<String> PACKAGE_READY = Set.of("ready", "success", "completed");
    private static final Set<String> PACKAGE_FAILED = Set.of("failed", "error");

    private final String jobs;

    PixxelProvider(PlatformFacts facts, ApiClient api, String workflowId) {
        super(facts, api);
        this.jobs = "/v0/workflows/" + ApiClient.encode(workflowId) + "/jobs";
    }

    @Override
    public JobStatus status(String jobId) throws IOException {
        JsonNode job = api().get(jobId, jobs + "/" + ApiClient.encode(jobId));
        return facts().status(jobId, JsonFields.text(job, "status", name(), jobId).toLowerCase(Locale.ROOT), job);
    }

    @Override
    public Optional<OutputPage> outputs(String jobId, String page) throws IOException {
        JsonNode download = api().put(jobId, jobs + "/" + ApiClient.encode(jobId) + "/download");
        String state = JsonFields.text(download, "status", name(), jobId).toLowerCase(Locale.ROOT);
        String url = JsonFields.firstText(download, "signed_url");
        if (PACKAGE_FAILED.contains(state)) {
            throw problem(jobId, "the job's download package failed (status '" + state + "')");
        }
        if (!PACKAGE_READY.contains(state) || url == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(OutputPage.last(List.of(OutputFile.of(PACKAGE, URI.create(url), -1))));
        } catch (IllegalArgumentException e) {
            throw problem(jobId, "signed_url is not a valid URL");
        }
    }

    @Override
    public List<String> discover(DiscoveryFilter filter) throws IOException {
        String query = filter.status() == null ? "" : "?status=" + ApiClient.encode(filter.status());
        JsonNode list = api().get("(list)", jobs + query).path("jobs");
        List<String> ids = new ArrayList<>();
        for (JsonNode job : list) {
            String id = JsonFields.firstText(job, "id");
            if (id != null && createdAfter(job, filter.createdAfter())) {
                ids.add(id);
            }
        }
        return ids;
    }

    @Override
    public Map<String, JobStatus> listedStates() throws IOException {
        Map<String, JobStatus> states = new LinkedHashMap<>();
        for (JsonNode job : api().get("(list)", jobs).path("jobs")) {
            String id = JsonFields.firstText(job, "id");
            String status = JsonFields.firstText(job, "status");
            if (id != null && status != null) {
                states.put(id, facts().status(id, status.toLowerCase(Locale.ROOT), job));
            }
        }
        return states;
    }

    /** Pixxel does not document its timestamp format: a job whose time cannot be read is taken. */
    private static boolean createdAfter(JsonNode job, Instant after) {
        if (after == null) {
            return true;
        }
        try {
            return Instant.parse(job.path("created_at").asText()).isAfter(after);
        } catch (RuntimeException e) {
            return true;
        }
    }
}

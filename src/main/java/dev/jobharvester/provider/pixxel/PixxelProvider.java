package dev.jobharvester.provider.pixxel;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.provider.ApiClient;
import dev.jobharvester.provider.DiscoveryFilter;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Pixxel: the job's state from {@code GET /v0/workflows/{w}/jobs/{j}}; its outputs as one ZIP package that
 * {@code PUT .../download} prepares. There is no GET for the package's state, so the PUT is repeated at each poll
 * until it answers ready with a signed URL. The API key is sent raw, without a Bearer prefix.
 */
public class PixxelProvider implements JobProvider {

    public static final String NAME = "pixxel";
    public static final String DEFAULT_API_URL = "https://api.pixxel.space";
    /** The name the job's package gets in the job's folder. */
    public static final String PACKAGE = "package.zip";

    private static final JobStates STATES = new JobStates(NAME, Map.of(
            "created", JobState.PENDING,
            "queued", JobState.PENDING,
            "pending", JobState.PENDING,
            "running", JobState.RUNNING,
            "in_progress", JobState.RUNNING,
            "completed", JobState.SUCCEEDED,
            "failed", JobState.FAILED));
    private static final Set<String> PACKAGE_READY = Set.of("ready", "success", "completed");
    private static final Set<String> PACKAGE_FAILED = Set.of("failed", "error");

    private final ApiClient api;
    private final String jobs;

    public PixxelProvider(ApiClient api, String workflowId) {
        this.api = api;
        this.jobs = "/v0/workflows/" + ApiClient.encode(workflowId) + "/jobs";
    }

    /** Pixxel's errors are {@code {"error":{code,message,details}}}. */
    public static String errorMessage(JsonNode body) {
        JsonNode error = body.path("error");
        String message = JsonFields.firstText(error, "message", "code");
        return message != null ? message : JsonFields.firstText(body, "message", "detail");
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
        return Set.of("completed", "failed");
    }

    @Override
    public Set<String> defaultHarvestStates() {
        return Set.of("completed");
    }

    /** Pixxel does not document where its packages are stored: the two usual clouds. */
    @Override
    public Set<String> storageHosts() {
        return Set.of("*.amazonaws.com", "storage.googleapis.com", "*.storage.googleapis.com");
    }

    @Override
    public JobStatus status(String jobId) throws IOException {
        JsonNode job = api.get(jobId, jobs + "/" + ApiClient.encode(jobId));
        return STATES.of(jobId, JsonFields.text(job, "status", NAME, jobId).toLowerCase(Locale.ROOT));
    }

    @Override
    public Optional<OutputPage> outputs(String jobId, String page) throws IOException {
        JsonNode download = api.put(jobId, jobs + "/" + ApiClient.encode(jobId) + "/download");
        String state = JsonFields.text(download, "status", NAME, jobId).toLowerCase(Locale.ROOT);
        String url = JsonFields.firstText(download, "signed_url");
        if (PACKAGE_FAILED.contains(state)) {
            throw new ProviderException(NAME, jobId, "the job's download package failed (status '" + state + "')");
        }
        if (!PACKAGE_READY.contains(state) || url == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(OutputPage.last(List.of(OutputFile.of(PACKAGE, URI.create(url), -1))));
        } catch (IllegalArgumentException e) {
            throw new ProviderException(NAME, jobId, "signed_url is not a valid URL");
        }
    }

    @Override
    public boolean canDiscover() {
        return true;
    }

    @Override
    public List<String> discover(DiscoveryFilter filter) throws IOException {
        String query = filter.status() == null ? "" : "?status=" + ApiClient.encode(filter.status());
        JsonNode list = api.get("(list)", jobs + query).path("jobs");
        List<String> ids = new ArrayList<>();
        for (JsonNode job : list) {
            String id = JsonFields.firstText(job, "id");
            if (id != null && createdAfter(job, filter.createdAfter())) {
                ids.add(id);
            }
        }
        return ids;
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

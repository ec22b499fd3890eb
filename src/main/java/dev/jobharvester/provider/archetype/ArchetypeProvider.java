package dev.jobharvester.provider.archetype;

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
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Archetype AI: UPPERCASE states from {@code GET /batch/jobs/{id}} ({@code CANCELLED} with two l); FAILED and
 * CANCELLED jobs can be retried back to PENDING, so they stay watched. Outputs come page by page from
 * {@code GET /batch/jobs/{id}/outputs} (offset/limit/total), each a presigned {@code data.ref} valid until
 * {@code expires_at} and a promised {@code num_bytes}. A file lands at {@code port/input/filename}.
 */
public class ArchetypeProvider implements JobProvider {

    public static final String NAME = "archetype";
    public static final String DEFAULT_API_URL = "https://api.u1.archetypeai.app/v0.5";

    private static final int LIST_PAGE = 100;
    private static final JobStates STATES = new JobStates(NAME, Map.of(
            "PENDING", JobState.PENDING,
            "ADMITTED", JobState.PENDING,
            "RUNNING", JobState.RUNNING,
            "PREEMPTED", JobState.RUNNING,
            "COMPLETED", JobState.SUCCEEDED,
            "FAILED", JobState.FAILED,
            "CANCELLED", JobState.CANCELED));

    private final ApiClient api;
    private final int pageSize;
    private final String filters;

    /**
     * @param portName only outputs of this port, or null
     * @param inputId  only outputs of this input, or null
     */
    public ArchetypeProvider(ApiClient api, int pageSize, String portName, String inputId) {
        this.api = api;
        this.pageSize = pageSize;
        this.filters = (portName == null || portName.isBlank() ? "" : "&port_name=" + ApiClient.encode(portName))
                + (inputId == null || inputId.isBlank() ? "" : "&input_id=" + ApiClient.encode(inputId));
    }

    /** Archetype's errors are {@code {"errors":[{code,message,...}]}}, or {@code {"detail":"..."}} on some auth failures. */
    public static String errorMessage(JsonNode body) {
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
    public String name() {
        return NAME;
    }

    @Override
    public ApiClient api() {
        return api;
    }

    @Override
    public Set<String> terminalStates() {
        return Set.of("COMPLETED", "FAILED", "CANCELLED");
    }

    @Override
    public Set<String> defaultHarvestStates() {
        return Set.of("COMPLETED");
    }

    @Override
    public Set<String> reversibleStates() {
        return Set.of("FAILED", "CANCELLED");
    }

    @Override
    public JobStatus status(String jobId) throws IOException {
        JsonNode job = api.get(jobId, "/batch/jobs/" + ApiClient.encode(jobId));
        return STATES.of(jobId, JsonFields.text(job, "status", NAME, jobId));
    }

    @Override
    public Optional<OutputPage> outputs(String jobId, String page) throws IOException {
        int offset = page == null ? 0 : Integer.parseInt(page);
        JsonNode body = api.get(jobId, "/batch/jobs/" + ApiClient.encode(jobId) + "/outputs?offset=" + offset
                + "&limit=" + pageSize + filters);
        JsonNode outputs = body.path("outputs");
        if (!outputs.isArray()) {
            throw new ProviderException(NAME, jobId, "field 'outputs' is missing or not a list");
        }
        List<OutputFile> files = new ArrayList<>(outputs.size());
        for (JsonNode output : outputs) {
            files.add(file(jobId, output, String.valueOf(offset)));
        }
        long total = body.path("total").asLong(-1);
        int next = offset + outputs.size();
        return Optional.of(new OutputPage(files, outputs.isEmpty() || next >= total ? null : String.valueOf(next)));
    }

    private static OutputFile file(String jobId, JsonNode output, String page) throws ProviderException {
        JsonNode data = JsonFields.object(output, "data", NAME, jobId);
        String port = JsonFields.text(output, "port_name", NAME, jobId);
        String input = JsonFields.firstText(output, "input_id");
        String path = port + "/" + (input == null ? "" : input + "/") + JsonFields.text(data, "filename", NAME, jobId);
        URI ref;
        try {
            ref = URI.create(JsonFields.text(data, "ref", NAME, jobId));
        } catch (IllegalArgumentException e) {
            throw new ProviderException(NAME, jobId, "output " + path + ": data.ref is not a valid URL");
        }
        return new OutputFile(path, ref, data.path("num_bytes").asLong(-1), instant(jobId, output, "expires_at"), page);
    }

    private static Instant instant(String jobId, JsonNode node, String field) throws ProviderException {
        String text = JsonFields.firstText(node, field);
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new ProviderException(NAME, jobId, "field '" + field + "' is not an ISO-8601 time: " + text);
        }
    }

    @Override
    public boolean canDiscover() {
        return true;
    }

    @Override
    public List<String> discover(DiscoveryFilter filter) throws IOException {
        String status = filter.status() == null ? "" : "&status=" + ApiClient.encode(filter.status());
        List<String> ids = new ArrayList<>();
        int offset = 0;
        while (true) {
            JsonNode body = api.get("(list)", "/batch/jobs?offset=" + offset + "&limit=" + LIST_PAGE + status);
            JsonNode jobs = body.path("jobs");
            for (JsonNode job : jobs) {
                Instant created = instant("(list)", job, "created_at");
                if (filter.createdAfter() == null || created == null || created.isAfter(filter.createdAfter())) {
                    ids.add(JsonFields.text(job, "id", NAME, "(list)"));
                }
            }
            offset += jobs.size();
            if (jobs.isEmpty() || offset >= body.path("total").asLong(0)) {
                return ids;
            }
        }
    }
}

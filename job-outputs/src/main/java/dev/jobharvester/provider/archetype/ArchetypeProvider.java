package dev.jobharvester.provider.archetype;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.provider.ApiClient;
import dev.jobharvester.provider.DiscoveryFilter;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.JobStatus;
import dev.jobharvester.provider.JsonFields;
import dev.jobharvester.common.OutputFile;
import dev.jobharvester.provider.OutputPage;
import dev.jobharvester.provider.PlatformFacts;
import dev.jobharvester.provider.ProviderException;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Archetype AI: UPPERCASE states from {@code GET /batch/jobs/{id}} ({@code CANCELLED} with two l); FAILED and
 * CANCELLED jobs can be retried back to PENDING, so they stay watched. Outputs come page by page from
 * {@code GET /batch/jobs/{id}/outputs} (offset/limit/total), each a presigned {@code data.ref} valid until
 * {@code expires_at} and a promised {@code num_bytes}. A file lands at {@code port/input/filename}.
 */
public class ArchetypeProvider extends JobProvider {

    private static final int LIST_PAGE = 100;
    /** What a call about the job list names instead of a job. */
    private static final String LIST = "(list)";

    private final int pageSize;
    private final String filters;

    /**
     * @param portName only outputs of this port, or null
     * @param inputId  only outputs of this input, or null
     */
    ArchetypeProvider(PlatformFacts facts, ApiClient api, int pageSize, String portName, String inputId) {
        super(facts, api);
        this.pageSize = pageSize;
        this.filters = (portName == null || portName.isBlank() ? "" : "&port_name=" + ApiClient.encode(portName))
                + (inputId == null || inputId.isBlank() ? "" : "&input_id=" + ApiClient.encode(inputId));
    }

    @Override
    public JobStatus status(String jobId) throws IOException {
        JsonNode job = api().get(jobId, "/batch/jobs/" + ApiClient.encode(jobId));
        return facts().status(jobId, JsonFields.text(job, "status", name(), jobId), job);
    }

    @Override
    public Optional<OutputPage> outputs(String jobId, String page) throws IOException {
        int offset = page == null ? 0 : Integer.parseInt(page);
        JsonNode body = api().get(jobId, "/batch/jobs/" + ApiClient.encode(jobId) + "/outputs?offset=" + offset
                + "&limit=" + pageSize + filters);
        JsonNode outputs = body.path("outputs");
        if (!outputs.isArray()) {
            throw problem(jobId, "field 'outputs' is missing or not a list");
        }
        List<OutputFile> files = new ArrayList<>(outputs.size());
        for (JsonNode output : outputs) {
            files.add(file(jobId, output, String.valueOf(offset)));
        }
        long total = body.path("total").asLong(-1);
        int next = offset + outputs.size();
        return Optional.of(new OutputPage(files, outputs.isEmpty() || next >= total ? null : String.valueOf(next)));
    }

    private OutputFile file(String jobId, JsonNode output, String page) throws ProviderException {
        JsonNode data = JsonFields.object(output, "data", name(), jobId);
        String port = JsonFields.text(output, "port_name", name(), jobId);
        String input = JsonFields.firstText(output, "input_id");
        String path = port + "/" + (input == null ? "" : input + "/") + JsonFields.text(data, "filename", name(), jobId);
        URI ref;
        try {
            ref = URI.create(JsonFields.text(data, "ref", name(), jobId));
        } catch (IllegalArgumentException e) {
            throw problem(jobId, "output " + path + ": data.ref is not a valid URL");
        }
        return new OutputFile(path, ref, data.path("num_bytes").asLong(-1), instant(jobId, output, "expires_at"), page);
    }

    private Instant instant(String jobId, JsonNode node, String field) throws ProviderException {
        String text = JsonFields.firstText(node, field);
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw problem(jobId, "field '" + field + "' is not an ISO-8601 time: " + text);
        }
    }

    @Override
    public List<String> discover(DiscoveryFilter filter) throws IOException {
        List<String> ids = new ArrayList<>();
        forEachListed(filter.status(), job -> {
            Instant created = instant(LIST, job, "created_at");
            if (filter.createdAfter() == null || created == null || created.isAfter(filter.createdAfter())) {
                ids.add(JsonFields.text(job, "id", name(), LIST));
            }
        });
        return ids;
    }

    @Override
    public Map<String, JobStatus> listedStates() throws IOException {
        Map<String, JobStatus> states = new LinkedHashMap<>();
        forEachListed(null, job -> {
            String id = JsonFields.text(job, "id", name(), LIST);
            states.put(id, facts().status(id, JsonFields.text(job, "status", name(), id), job));
        });
        return states;
    }

    /** Walks the job list page by page, of one state or of all. */
    private void forEachListed(String status, ListedJob action) throws IOException {
        String query = status == null ? "" : "&status=" + ApiClient.encode(status);
        int offset = 0;
        while (true) {
            JsonNode body = api().get(LIST, "/batch/jobs?offset=" + offset + "&limit=" + LIST_PAGE + query);
            JsonNode jobs = body.path("jobs");
            for (JsonNode job : jobs) {
                action.accept(job);
            }
            offset += jobs.size();
            if (jobs.isEmpty() || offset >= body.path("total").asLong(0)) {
                return;
            }
        }
    }

    @FunctionalInterface
    private interface ListedJob {
        void accept(JsonNode job) throws IOException;
    }
}

package dev.jobharvester.provider.declared;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.common.OutputFile;
import dev.jobharvester.provider.ApiClient;
import dev.jobharvester.provider.DiscoveryFilter;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.JobStatus;
import dev.jobharvester.provider.OutputPage;
import dev.jobharvester.provider.PlatformFacts;
import dev.jobharvester.provider.ProviderException;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The adapter of a declared platform: it asks and reads the API as the platform's file says. */
final class DeclaredProvider extends JobProvider {

    /** What a call about the job list names instead of a job. */
    private static final String LIST = "(list)";
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    /** An optional segment left empty leaves a doubled or an edge slash: the path is written without them. */
    private static final Pattern REPEATED_SLASHES = Pattern.compile("/{2,}");
    private static final Pattern EDGE_SLASHES = Pattern.compile("^/|/$");

    private final DeclaredPlatform.Calls calls;

    DeclaredProvider(PlatformFacts facts, ApiClient api, DeclaredPlatform.Calls calls) {
        super(facts, api);
        this.calls = calls;
    }

    @Override
    public JobStatus status(String jobId) throws IOException {
        JsonNode answer = calls.status().call().send(api(), jobId, Map.of("jobId", jobId));
        return facts().status(jobId, text(jobId, answer, calls.status().state(), "the state"), answer);
    }

    @Override
    public Optional<OutputPage> outputs(String jobId, String page) throws IOException {
        Listing.Page listed = calls.outputs().page(api(), jobId, Map.of("jobId", jobId), page);
        if (listed.items().isEmpty() && calls.notReady() != null && Pointers.holds(listed.answer(), calls.notReady())) {
            return Optional.empty();
        }
        List<OutputFile> found = new ArrayList<>(listed.items().size());
        for (Listing.Item item : listed.items()) {
            found.add(file(jobId, item, page));
        }
        return Optional.of(new OutputPage(found, listed.next()));
    }

    private OutputFile file(String jobId, Listing.Item item, String page) throws ProviderException {
        Map<String, String> variables = new HashMap<>();
        variables.put("jobId", jobId);
        variables.put("index", String.valueOf(item.index()));
        if (item.key() != null) {
            variables.put("key", item.key());
        }
        if (item.value().isValueNode() && !item.value().isNull()) {
            variables.put("value", item.value().asText());
        }
        String which = "output " + (item.key() != null ? "'" + item.key() + "'" : "#" + item.index());
        URI location = location(jobId, which, variables, item.value());
        String name = location.getRawPath() == null ? "" : location.getRawPath();
        variables.put("urlName", URLDecoder.decode(name.substring(name.lastIndexOf('/') + 1), StandardCharsets.UTF_8));
        DeclaredPlatform.Files files = calls.files();
        String path = expand(jobId, which, "path", files.path(), variables, item.value(), Template.Escape.NONE);
        path = EDGE_SLASHES.matcher(REPEATED_SLASHES.matcher(path).replaceAll("/")).replaceAll("");
        if (path.isEmpty()) {
            throw problem(jobId, which + ": its path '" + files.path() + "' comes out empty");
        }
        long size = files.size() == null ? -1 : item.value().at(files.size()).asLong(-1);
        Instant expires = time(jobId, which + ": ", item.value(), files.expires());
        String sha256 = optional(item.value(), files.sha256());
        if (sha256 != null && !SHA256.matcher(sha256).matches()) {
            throw problem(jobId, which + ": " + files.sha256() + " is not a SHA-256 in hex: " + sha256);
        }
        return new OutputFile(path, location, size, expires, page, sha256);
    }

    /** The text an optional pointer finds in the item; null where the pointer or its value is missing. */
    private static String optional(JsonNode item, JsonPointer pointer) {
        return pointer == null || !Pointers.holds(item, pointer) ? null : item.at(pointer).asText();
    }

    /** The ISO-8601 time an optional pointer finds; null where it finds none; a problem where it finds another text. */
    private Instant time(String jobId, String where, JsonNode item, JsonPointer pointer) throws ProviderException {
        String text = optional(item, pointer);
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw problem(jobId, where + pointer + " is not an ISO-8601 time: " + text);
        }
    }

    private URI location(String jobId, String which, Map<String, String> variables, JsonNode item)
            throws ProviderException {
        DeclaredPlatform.Files files = calls.files();
        String url = files.url() != null
                ? expand(jobId, which, "url", files.url(), variables, item, Template.Escape.NONE)
                : api().baseUrl() + expand(jobId, which, "fetch", files.fetch(), variables, item, Template.Escape.URL);
        try {
            URI location = URI.create(url);
            if (location.getScheme() == null || location.getHost() == null) {
                throw new IllegalArgumentException("not absolute");
            }
            return location;
        } catch (IllegalArgumentException e) {
            throw problem(jobId, which + ": its URL is not a valid absolute URL");
        }
    }

    private String expand(String jobId, String which, String key, Template template, Map<String, String> variables,
            JsonNode item, Template.Escape escape) throws ProviderException {
        try {
            return template.expand(variables, item, escape);
        } catch (Template.MissingValue e) {
            throw problem(jobId, which + ": " + e.getMessage() + " (in its " + key + ") is missing; "
                    + Pointers.whatIsThere(item, Pointers.compile(e.getMessage())));
        }
    }

    /** The text a required pointer finds, or a problem that says what the answer holds instead. */
    private String text(String jobId, JsonNode answer, JsonPointer pointer, String what) throws ProviderException {
        JsonNode value = answer.at(pointer);
        if (!value.isValueNode() || value.isNull() || value.asText().isEmpty()) {
            throw problem(jobId, what + " " + pointer + " matches nothing in the answer; "
                    + Pointers.whatIsThere(answer, pointer));
        }
        return value.asText();
    }

    @Override
    public String downloadAuthorization(OutputFile file) {
        return api().authorizationFor(file.location());
    }

    @Override
    public List<String> discover(DiscoveryFilter filter) throws IOException {
        List<String> ids = new ArrayList<>();
        Map<String, String> variables = filter.status() == null ? Map.of() : Map.of("status", filter.status());
        forEachListed(variables, job -> {
            String id = text(LIST, job, calls.jobs().id(), "a listed job's id");
            JsonPointer state = calls.jobs().state();
            boolean stateMatches = filter.status() == null || state == null
                    || filter.status().equals(job.at(state).asText());
            if (stateMatches && createdAfter(job, filter.createdAfter())) {
                ids.add(id);
            }
        });
        return ids;
    }

    private boolean createdAfter(JsonNode job, Instant after) throws ProviderException {
        if (after == null) {
            return true;
        }
        Instant created = time(LIST, "", job, calls.jobs().created());
        return created == null || created.isAfter(after);
    }

    @Override
    public Map<String, JobStatus> listedStates() throws IOException {
        Map<String, JobStatus> states = new LinkedHashMap<>();
        forEachListed(Map.of(), job -> {
            String id = text(LIST, job, calls.jobs().id(), "a listed job's id");
            states.put(id, facts().status(id, text(id, job, calls.jobs().state(), "the state"), job));
        });
        return states;
    }

    private void forEachListed(Map<String, String> variables, ListedJob action) throws IOException {
        String token = null;
        do {
            Listing.Page page = calls.jobs().listing().page(api(), LIST, variables, token);
            for (Listing.Item item : page.items()) {
                action.accept(item.value());
            }
            token = page.next();
        } while (token != null);
    }

    @FunctionalInterface
    private interface ListedJob {
        void accept(JsonNode job) throws IOException;
    }
}

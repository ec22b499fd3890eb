package dev.jobharvester.provider.declared;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.jobharvester.provider.JobState;
import dev.jobharvester.provider.PlatformFacts;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads one platform file and checks every key in it, so that a mistake is told at {@code check} and at start, with
 * the file, the line, the key and what was expected, rather than as a puzzling answer at the first poll.
 */
final class DescriptionReader {

    private static final YAMLMapper YAML = (YAMLMapper) new YAMLMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");
    private static final Set<String> ITEM_VARIABLES = Set.of("jobId", "key", "index", "value");
    private static final String STATES = Arrays.stream(JobState.values()).map(s -> s.name().toLowerCase(Locale.ROOT))
            .collect(Collectors.joining(", "));

    private final String location;
    private final KeyLines lines;
    private final Consumer<String> warnings;

    private DescriptionReader(String location, KeyLines lines, Consumer<String> warnings) {
        this.location = location;
        this.lines = lines;
        this.warnings = warnings;
    }

    /**
     * @param location the file's name in messages
     * @param taken    names already in use (the built-in platforms')
     * @param warnings told each pointer that finds nothing in a sample answer
     * @throws PlatformFileException for the first mistake
     */
    static DeclaredPlatform read(String location, String text, Set<String> taken, Consumer<String> warnings) {
        JsonNode tree;
        KeyLines lines;
        try (JsonParser parser = YAML.getFactory().createParser(text)) {
            lines = KeyLines.read(parser);
            tree = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new PlatformFileException(location, e.getLocation() == null ? 0 : e.getLocation().getLineNr(), null,
                    "not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new PlatformFileException(location, 0, null, "cannot be read: " + e.getMessage());
        }
        DescriptionReader reader = new DescriptionReader(location, lines, warnings);
        if (tree == null || !tree.isObject()) {
            throw reader.mistake("", "a platform file is a YAML map with name, api, status and outputs");
        }
        return reader.platform(reader.bind(tree), taken);
    }

    private Description bind(JsonNode tree) {
        try {
            return YAML.treeToValue(tree, Description.class);
        } catch (UnrecognizedPropertyException e) {
            String key = KeyLines.key(e.getPath());
            List<String> known = e.getKnownPropertyIds().stream().map(Object::toString).sorted().toList();
            throw mistake(key, "unknown key '" + e.getPropertyName() + "'; known here: " + String.join(", ", known));
        } catch (MismatchedInputException e) {
            throw mistake(KeyLines.key(e.getPath()), "expected " + expected(e.getTargetType()));
        } catch (JsonProcessingException e) {
            throw new PlatformFileException(location, 0, null, e.getOriginalMessage());
        }
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "another kind of value";
        }
        if (type == String.class) {
            return "a text";
        }
        if (type == Integer.class || type == int.class) {
            return "a whole number";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (type == Description.Request.class) {
            return "a request: 'GET /path/{jobId}', or method, path and body";
        }
        return "a map of keys (" + type.getSimpleName().toLowerCase(Locale.ROOT) + ")";
    }

    private PlatformFileException mistake(String key, String problem) {
        return new PlatformFileException(location, lines.line(key), key, problem);
    }

    private <T> T required(T value, String key, String what) {
        if (value == null || value instanceof String s && s.isBlank()
                || value instanceof Map<?, ?> m && m.isEmpty() || value instanceof List<?> l && l.isEmpty()) {
            throw mistake(key, "missing; expected " + what);
        }
        return value;
    }

    private DeclaredPlatform platform(Description d, Set<String> taken) {
        String name = required(d.name(), "name", "the platform's name, as in job-outputs:NAME");
        if (!NAME.matcher(name).matches()) {
            throw mistake("name", "'" + name + "' is not a name: lower-case letters, digits and -, starting with a"
                    + " letter, at most 40");
        }
        if (taken.contains(name)) {
            throw mistake("name", "'" + name + "' is already a platform (" + String.join(", ", new TreeSet<>(taken))
                    + "); choose another name");
        }
        Description.Api api = required(d.api(), "api", "the API's url and key form");
        String url = required(api.url(), "api.url", "the public API's base URL, https://...");
        checkUrl(url);
        PlatformFacts.KeyForm keyForm = keyForm(api.key());
        List<JsonPointer> errorMessage = pointers(api.errorMessage(), "api.errorMessage");

        Description.Status status = required(d.status(), "status", "how a job's state is asked");
        Listing.CallSpec statusCall = call(required(status.request(), "status.request", "GET /path/{jobId}"),
                "status.request", Set.of("jobId"));
        JsonPointer state = pointer(required(status.state(), "status.state", "a JSON pointer to the job's state"),
                "status.state");
        Map<String, JobState> states = states(required(status.states(), "status.states",
                "every state the API answers, each onto one of " + STATES));
        Set<String> harvest = terminalStates(required(status.harvest(), "status.harvest",
                "the terminal states to harvest when a route does not say"), "status.harvest", states);
        Set<String> reversible = terminalStates(status.reversible(), "status.reversible", states);
        List<String> outcome = pointers(status.outcome(), "status.outcome").stream().map(JsonPointer::toString)
                .toList();
        if (status.sample() != null) {
            // Not the outcome pointers: a finished job's answer holds them only when there is something to say.
            sampled(status.sample(), "status.sample", Map.of("status.state", state));
        }

        Description.Outputs outputs = required(d.outputs(), "outputs", "how a finished job's files are listed");
        Listing listing = listing("outputs", required(outputs.request(), "outputs.request", "GET /path/{jobId}"),
                outputs.paging(), required(outputs.items(), "outputs.items",
                        "a JSON pointer to the files, or names mapped to pointers"), Set.of("jobId"));
        JsonPointer notReady = outputs.notReady() == null ? null : pointer(outputs.notReady(), "outputs.notReady");
        DeclaredPlatform.Files files = files(required(outputs.file(), "outputs.file",
                "path, and url or fetch, of one listed file"));
        if (outputs.sample() != null) {
            sampledFiles(outputs, files);
        }

        DeclaredPlatform.JobList jobs = d.jobs() == null ? null : jobs(d.jobs());
        Set<String> hosts = new LinkedHashSet<>(api.storageHosts() == null ? List.of() : api.storageHosts());
        PlatformFacts facts = new PlatformFacts(name, url, keyForm, states, harvest, reversible, hosts, jobs != null,
                outcome);
        return new DeclaredPlatform(location, facts, errorMessage, new DeclaredPlatform.Calls(
                new DeclaredPlatform.StatusCall(statusCall, state), listing, notReady, files, jobs));
    }

    private void checkUrl(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw mistake("api.url", "'" + url + "' is not a URL");
        }
        if (!"https".equals(uri.getScheme()) || uri.getHost() == null || uri.getQuery() != null) {
            throw mistake("api.url", "'" + url + "' is not an https:// base URL without a query (a route may point"
                    + " apiUrl elsewhere, a simulator for one)");
        }
    }

    private PlatformFacts.KeyForm keyForm(String key) {
        if (key == null || key.equalsIgnoreCase("bearer")) {
            return PlatformFacts.KeyForm.BEARER;
        }
        if (key.equalsIgnoreCase("raw")) {
            return PlatformFacts.KeyForm.RAW;
        }
        throw mistake("api.key", "'" + key + "' is not a key form: bearer (Authorization: Bearer KEY) or raw"
                + " (Authorization: KEY)");
    }

    private JsonPointer pointer(String pointer, String key) {
        try {
            return Pointers.compile(pointer);
        } catch (IllegalArgumentException e) {
            throw mistake(key, e.getMessage());
        }
    }

    private List<JsonPointer> pointers(List<String> written, String key) {
        List<JsonPointer> pointers = new ArrayList<>();
        for (int i = 0; written != null && i < written.size(); i++) {
            pointers.add(pointer(written.get(i), key + "[" + i + "]"));
        }
        return pointers;
    }

    private Template template(String text, String key, Set<String> variables, boolean pointers) {
        try {
            return Template.parse(text, variables, pointers);
        } catch (IllegalArgumentException e) {
            throw mistake(key, "'" + text + "': " + e.getMessage());
        }
    }

    private Listing.CallSpec call(Description.Request request, String key, Set<String> variables) {
        String method = request.method() == null ? (request.body() == null ? "GET" : "POST")
                : request.method().toUpperCase(Locale.ROOT);
        if (!method.equals("GET") && !method.equals("POST")) {
            throw mistake(key, "method '" + request.method() + "' is not GET or POST");
        }
        if (method.equals("GET") && request.body() != null) {
            throw mistake(key, "a GET has no body; send it with method POST");
        }
        String path = required(request.path(), key + ".path", "the path under the API, /...");
        if (!path.startsWith("/")) {
            throw mistake(key, "the path '" + path + "' does not start with /: it goes after the API's url");
        }
        Template body = method.equals("POST")
                ? template(request.body() == null ? "{}" : request.body(), key + ".body", variables, false) : null;
        return new Listing.CallSpec(method, template(path, key, variables, false), body);
    }

    private Map<String, JobState> states(Map<String, String> written) {
        Map<String, JobState> states = new LinkedHashMap<>();
        written.forEach((state, onto) -> {
            try {
                states.put(state, JobState.valueOf(String.valueOf(onto).toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw mistake("status.states." + state, "'" + onto + "' is not one of " + STATES);
            }
        });
        if (states.values().stream().noneMatch(JobState::isTerminal)) {
            throw mistake("status.states", "no state is terminal (succeeded, failed or canceled): a job would be"
                    + " watched for ever");
        }
        return states;
    }

    private Set<String> terminalStates(List<String> written, String key, Map<String, JobState> states) {
        Set<String> chosen = new LinkedHashSet<>();
        for (int i = 0; written != null && i < written.size(); i++) {
            JobState state = states.get(written.get(i));
            if (state == null || !state.isTerminal()) {
                throw mistake(key + "[" + i + "]", "'" + written.get(i) + "' is not a terminal state in status.states"
                        + " (" + states.entrySet().stream().filter(e -> e.getValue().isTerminal())
                                .map(Map.Entry::getKey).collect(Collectors.joining(", ")) + ")");
            }
            chosen.add(written.get(i));
        }
        return chosen;
    }

    private Listing listing(String key, Description.Request request, Description.Paging paging, JsonNode items,
            Set<String> variables) {
        Listing.Style style = style(paging, key + ".paging.style");
        Set<String> known = new LinkedHashSet<>(variables);
        known.add("limit");
        switch (style) {
            case OFFSET -> known.add("offset");
            case PAGE -> known.add("page");
            case CURSOR -> known.add("cursor");
            default -> { }
        }
        Listing.CallSpec call = call(request, key + ".request", known);
        String needed = switch (style) {
            case OFFSET -> "offset";
            case PAGE -> "page";
            case CURSOR -> "cursor";
            default -> null;
        };
        if (needed != null && !call.path().uses(needed) && (call.body() == null || !call.body().uses(needed))) {
            throw mistake(key + ".request", "paging by " + style.name().toLowerCase(Locale.ROOT) + " needs {" + needed
                    + "} in the request");
        }
        int limit = paging == null || paging.limit() == null ? 100 : paging.limit();
        if (limit < 1) {
            throw mistake(key + ".paging.limit", "it is " + limit + "; a page holds at least 1 item");
        }
        JsonPointer next = paging == null || paging.next() == null ? null : pointer(paging.next(), key + ".paging.next");
        if ((style == Listing.Style.CURSOR || style == Listing.Style.LINK) && next == null) {
            throw mistake(key + ".paging", "paging by " + style.name().toLowerCase(Locale.ROOT) + " needs next: a JSON"
                    + " pointer to the next page's " + (style == Listing.Style.CURSOR ? "cursor" : "link"));
        }
        JsonPointer total = paging == null || paging.total() == null ? null : pointer(paging.total(), key + ".paging.total");
        JsonPointer more = paging == null || paging.more() == null ? null : pointer(paging.more(), key + ".paging.more");
        int start = paging == null || paging.start() == null ? 1 : paging.start();
        if (items.isTextual()) {
            return new Listing(call, style, limit, start, total, next, more, pointer(items.asText(), key + ".items"),
                    null);
        }
        if (!items.isObject() || items.isEmpty()) {
            throw mistake(key + ".items", "expected a JSON pointer to the items, or names mapped to pointers");
        }
        Map<String, JsonPointer> named = new LinkedHashMap<>();
        items.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw mistake(key + ".items." + e.getKey(), "expected a JSON pointer");
            }
            named.put(e.getKey(), pointer(e.getValue().asText(), key + ".items." + e.getKey()));
        });
        return new Listing(call, style, limit, start, total, next, more, null, named);
    }

    private Listing.Style style(Description.Paging paging, String key) {
        String style = paging == null || paging.style() == null ? "none" : paging.style();
        try {
            return Listing.Style.valueOf(style.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw mistake(key, "'" + style + "' is not a paging style: none, offset, page, cursor or link");
        }
    }

    private DeclaredPlatform.Files files(Description.FileSpec file) {
        if ((file.url() == null) == (file.fetch() == null)) {
            throw mistake("outputs.file", "give one of url (a download URL, fetched without the key) and fetch (a"
                    + " path under the API, fetched with the key)");
        }
        Set<String> named = new LinkedHashSet<>(ITEM_VARIABLES);
        named.add("urlName");
        Template path = template(required(file.path(), "outputs.file.path", "the file's path in the job's folder"),
                "outputs.file.path", named, true);
        Template url = file.url() == null ? null : template(file.url(), "outputs.file.url", ITEM_VARIABLES, true);
        Template fetch = file.fetch() == null ? null : template(file.fetch(), "outputs.file.fetch", ITEM_VARIABLES,
                true);
        if (fetch != null && !file.fetch().startsWith("/")) {
            throw mistake("outputs.file.fetch", "'" + file.fetch() + "' does not start with /: it goes after the"
                    + " API's url");
        }
        return new DeclaredPlatform.Files(path, url, fetch,
                file.size() == null ? null : pointer(file.size(), "outputs.file.size"),
                file.expires() == null ? null : pointer(file.expires(), "outputs.file.expires"),
                file.sha256() == null ? null : pointer(file.sha256(), "outputs.file.sha256"));
    }

    private DeclaredPlatform.JobList jobs(Description.Jobs jobs) {
        Listing listing = listing("jobs", required(jobs.request(), "jobs.request", "GET /path"), jobs.paging(),
                YAML.getNodeFactory().textNode(required(jobs.items(), "jobs.items",
                        "a JSON pointer to the list of jobs")), Set.of("status"));
        return new DeclaredPlatform.JobList(listing,
                pointer(required(jobs.id(), "jobs.id", "a JSON pointer to a job's id in an item"), "jobs.id"),
                pointer(required(jobs.state(), "jobs.state", "a JSON pointer to a job's state in an item"),
                        "jobs.state"),
                jobs.created() == null ? null : pointer(jobs.created(), "jobs.created"));
    }

    /** Warns of each pointer that finds nothing in the sample answer, with what the answer holds. */
    private void sampled(JsonNode sample, String sampleKey, Map<String, JsonPointer> pointers) {
        pointers.forEach((key, pointer) -> {
            if (!Pointers.holds(sample, pointer)) {
                warnings.accept(location + " line " + lines.line(key) + ", " + key + ": " + pointer
                        + " matches nothing in " + sampleKey + "; " + Pointers.whatIsThere(sample, pointer));
            }
        });
    }

    private void sampledFiles(Description.Outputs outputs, DeclaredPlatform.Files files) {
        JsonNode items = outputs.items();
        if (items.isTextual()) {
            JsonPointer pointer = JsonPointer.compile(items.asText());
            sampled(outputs.sample(), "outputs.sample", Map.of("outputs.items", pointer));
            JsonNode listed = outputs.sample().at(pointer);
            JsonNode first = listed.isArray() || listed.isObject() ? listed.elements().hasNext()
                    ? listed.elements().next() : null : listed;
            if (first != null && first.isContainerNode()) {
                Map<String, JsonPointer> inItem = new LinkedHashMap<>();
                if (files.size() != null) {
                    inItem.put("outputs.file.size", files.size());
                }
                if (files.expires() != null) {
                    inItem.put("outputs.file.expires", files.expires());
                }
                sampled(first, "the first item of outputs.sample", inItem);
            }
        }
    }
}

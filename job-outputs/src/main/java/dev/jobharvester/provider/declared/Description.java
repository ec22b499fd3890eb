package dev.jobharvester.provider.declared;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A platform file ({@code platforms/NAME.yaml}) as written: how its API is asked for a job's state, its outputs and,
 * optionally, its jobs. {@link DescriptionReader} reads and checks it; README "Declaring a platform" documents every
 * key.
 */
record Description(String name, Api api, Status status, Outputs outputs, Jobs jobs) {

    /**
     * @param url          the public API's base URL
     * @param key          how the key goes into the Authorization header: {@code bearer} or {@code raw}
     * @param errorMessage JSON pointers into an error answer, the first that holds text is its message
     * @param storageHosts the hosts its download URLs point at ({@code *.} patterns allowed)
     */
    record Api(String url, String key, List<String> errorMessage, List<String> storageHosts) {
    }

    /** One call to the API: {@code GET /path/{jobId}} written on one line, or method, path and a JSON body. */
    record Request(String method, String path, String body) {

        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        static Request of(String line) {
            int space = line.indexOf(' ');
            return space < 0 ? new Request(null, line, null)
                    : new Request(line.substring(0, space), line.substring(space + 1).trim(), null);
        }

        @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
        Request {
        }
    }

    /**
     * @param state      a JSON pointer to the state in the answer
     * @param states     every state the API answers, onto pending, running, succeeded, failed or canceled
     * @param harvest    the terminal states harvested when a route does not say
     * @param reversible terminal states a job can leave again
     * @param outcome    JSON pointers to what the answer says of a finished job's result
     * @param sample     an answer as the API gives it, which {@code check} reads the pointers in
     */
    record Status(Request request, String state, Map<String, String> states, List<String> harvest,
            List<String> reversible, List<String> outcome, JsonNode sample) {
    }

    /**
     * @param items    a JSON pointer to the files in each answer (a list, an object of entries, or one value), or
     *                 names mapped to pointers for files the answer names one by one
     * @param notReady a JSON pointer that holds a value while the outputs are not ready to be listed
     */
    record Outputs(Request request, Paging paging, JsonNode items, String notReady, FileSpec file, JsonNode sample) {
    }

    /**
     * Paging of a list: {@code offset} ({offset} and {limit} in the request), {@code page} ({page}), {@code cursor}
     * ({cursor}, the next one at {@code next}) or {@code link} (the next page's URL at {@code next}); a list ends
     * on an empty page, a short page, when {@code more} is false, when {@code total} is reached or when no next is
     * given.
     */
    record Paging(String style, Integer limit, Integer start, String total, String next, String more) {
    }

    /**
     * One output file, in templates over the item: {@code {/pointer}} (or {@code {/pointer?}} when it may be
     * missing), {@code {value}} (the item itself), {@code {key}} (its name), {@code {index}} (its place on its page),
     * {@code {jobId}}.
     *
     * @param path    its path in the job's folder; {@code {urlName}} is the last segment of its URL
     * @param url     an absolute download URL (presigned: fetched without the key)
     * @param fetch   instead of url: a path under the API, fetched with the key
     * @param size    a JSON pointer to its size in bytes
     * @param expires a JSON pointer to when its URL expires (ISO-8601)
     * @param sha256  a JSON pointer to the SHA-256 of its bytes (hex), which the download then checks
     */
    record FileSpec(String path, String url, String fetch, String size, String expires, String sha256) {
    }

    /**
     * The job list, for discovery and for many jobs' states in one sweep.
     *
     * @param id      a JSON pointer to a job's id in an item
     * @param state   a JSON pointer to its state
     * @param created a JSON pointer to when it was created (ISO-8601), for discovery's createdAfter
     */
    record Jobs(Request request, Paging paging, String items, String id, String state, String created) {
    }
}

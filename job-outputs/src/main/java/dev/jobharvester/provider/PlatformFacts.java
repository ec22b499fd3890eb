package dev.jobharvester.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What is true of a platform, as data (a JSON file in its package): its name, where its API lives, how its key is
 * sent, its job states and which of them end a job, and where its files are stored.
 *
 * @param name                 the name in {@code job-outputs:<name>}, headers and sink paths
 * @param defaultApiUrl        the public API, used when a route sets no apiUrl
 * @param keyForm              how the API key goes into the Authorization header
 * @param states               every state name the API answers, in its own spelling, mapped onto {@link JobState}
 * @param defaultHarvestStates the terminal states harvested when a route does not say
 * @param reversibleStates     terminal states a job can leave again (a retried job): such a job stays watched
 * @param storageHosts         the hosts its download URLs point at ({@code *.} patterns allowed); its API host is
 *                             always allowed
 * @param discovery            whether it has a job list, with each job's state, that jobs can be discovered from
 *                             and many jobs' states read at once
 * @param outcomeFields        fields of a job's status that say more about its result than its state (an exit code,
 *                             an error; a JSON pointer such as {@code /errors/data} reaches deeper), carried into the
 *                             manifest's {@code outcome} when the job ends
 */
public record PlatformFacts(String name, String defaultApiUrl, KeyForm keyForm, Map<String, JobState> states,
        Set<String> defaultHarvestStates, Set<String> reversibleStates, Set<String> storageHosts, boolean discovery,
        List<String> outcomeFields) {

    private static final Logger LOG = LoggerFactory.getLogger(PlatformFacts.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a platform reads its API key from the Authorization header. */
    public enum KeyForm {
        /** {@code Bearer <key>} */
        BEARER,
        /** the key alone, without a scheme */
        RAW;

        /** The header value that carries the key, or null when there is no key. */
        public String header(String key) {
            if (key == null || key.isBlank()) {
                return null;
            }
            return this == BEARER ? "Bearer " + key : key;
        }
    }

    public PlatformFacts {
        reversibleStates = reversibleStates == null ? Set.of() : reversibleStates;
        storageHosts = storageHosts == null ? Set.of() : storageHosts;
        outcomeFields = outcomeFields == null ? List.of() : outcomeFields;
    }

    /** Reads the facts from a JSON resource beside the class. */
    public static PlatformFacts read(Class<?> owner, String resource) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(owner.getName() + ": its facts " + resource + " are missing");
            }
            return JSON.readValue(in, PlatformFacts.class);
        } catch (IOException e) {
            throw new UncheckedIOException(owner.getName() + ": its facts " + resource + " cannot be read", e);
        }
    }

    /** The states a job ends in, in the platform's spelling. */
    public Set<String> terminalStates() {
        Set<String> terminal = new TreeSet<>();
        states.forEach((name, state) -> {
            if (state.isTerminal()) {
                terminal.add(name);
            }
        });
        return terminal;
    }

    /** A job's status from the state name its platform answered; an unknown name counts as still running. */
    public JobStatus status(String jobId, String providerState) {
        JobState state = states.get(providerState);
        if (state == null) {
            LOG.warn("{} job {}: unknown status '{}', treated as still running", name, jobId, providerState);
            state = JobState.RUNNING;
        }
        return new JobStatus(state, providerState);
    }

    /**
     * A job's status from its state name and the object its platform described the job with: once it ended, the {@link #outcomeFields} it holds (not null, not empty), as {@code field: value; ...}.
     */
    public JobStatus status(String jobId, String providerState, JsonNode job) {
        JobStatus status = status(jobId, providerState);
        if (!status.state().isTerminal()) {
            return status;
        }
        List<String> said = new ArrayList<>();
        for (String field : outcomeFields) {
            JsonNode value = field.startsWith("/") ? job.at(field) : job.path(field);
            boolean empty = value.isMissingNode() || value.isNull() || value.isContainerNode() && value.isEmpty()
                    || value.isTextual() && value.asText().isBlank();
            if (!empty) {
                said.add(field.substring(field.lastIndexOf('/') + 1) + ": " + (value.isTextual() ? value.asText() : value.toString()));
            }
        }
        return said.isEmpty() ? status : new JobStatus(status.state(), providerState, String.join("; ", said));
    }
}

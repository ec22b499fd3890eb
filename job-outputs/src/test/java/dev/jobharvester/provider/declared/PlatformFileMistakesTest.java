package dev.jobharvester.provider.declared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each class of mistake in a platform file is told at load with the file, the line, the key and what was expected:
 * one good file is changed in one place per case, and the message must name that place.
 */
class PlatformFileMistakesTest {

    private static final String FILE = "platforms/acme.yaml";
    /** A good file; its lines are counted by the cases below. */
    private static final String GOOD = """
            name: acme
            api:
              url: https://api.acme.example
              key: bearer
              errorMessage: [/error/message]
            status:
              request: GET /v1/jobs/{jobId}
              state: /status
              states:
                queued: pending
                running: running
                done: succeeded
                broken: failed
              harvest: [done]
              sample: {status: done, id: j-1}
            outputs:
              request: GET /v1/jobs/{jobId}/files?page={page}
              paging: {style: page, limit: 50}
              items: /files
              file:
                path: "{/name}"
                url: "{/url}"
                size: /bytes
            """;

    private static DeclaredPlatform read(String text, List<String> warnings) {
        return DescriptionReader.read(FILE, text, Set.of("tensorpool"), warnings::add);
    }

    private static String message(String text) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> read(text, new ArrayList<>()));
        assertThat(thrown).as("a mistake in\n%s", text).isInstanceOf(PlatformFileException.class);
        return thrown.getMessage();
    }

    @Test
    void theGoodFileIsReadWithoutWarnings() {
        List<String> warnings = new ArrayList<>();
        DeclaredPlatform acme = read(GOOD, warnings);
        assertThat(acme.facts().name()).isEqualTo("acme");
        assertThat(acme.facts().terminalStates()).containsExactlyInAnyOrder("done", "broken");
        assertThat(warnings).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not YAML                   | 'states:'                   | '  states: [unclosed'  | line 9       | not valid YAML
            a key written twice        | '  harvest: [done]'         | '  harvest: [done]\n  state: /other' | line 15       | not valid YAML: Duplicate field 'state'
            a misspelt key             | '  state: /status'          | '  staet: /status'     | line 8       | unknown key 'staet'; known here: harvest, outcome, request, reversible, sample, state, states
            a missing key              | '  state: /status'          | ''                     | line 6, status.state | missing; expected a JSON pointer to the job's state
            a text where a list goes   | 'harvest: [done]'           | 'harvest: done'        | line 14, status.harvest | expected a list
            a state onto nothing known | 'done: succeeded'           | 'done: finished'       | line 12, status.states.done | 'finished' is not one of pending, running, succeeded, failed, canceled
            a harvest state not terminal | 'harvest: [done]'         | 'harvest: [running]'   | line 14, status.harvest[0] | 'running' is not a terminal state in status.states (done, broken)
            a pointer without a slash  | 'state: /status'            | 'state: status'        | line 8, status.state | 'status' is not a JSON pointer: one starts with /
            an unknown template hole   | '{jobId}/files'             | '{job}/files'          | line 17, outputs.request | '/v1/jobs/{job}/files?page={page}': {job} is not known here; it may use {jobId}, {limit}, {page}
            paging without its hole    | '?page={page}'              | ''                     | line 17, outputs.request | paging by page needs {page} in the request
            an unknown paging style    | 'style: page'               | 'style: pages'         | line 18, outputs.paging.style | 'pages' is not a paging style: none, offset, page, cursor or link
            cursor paging without next | '?page={page}\n  paging: {style: page, limit: 50}' | '?after={cursor}\n  paging: {style: cursor}' | line 18, outputs.paging | paging by cursor needs next: a JSON pointer to the next page's cursor
            a URL that is not https    | 'https://api.acme.example'  | 'http://api.acme.example' | line 3, api.url | is not an https:// base URL
            an unknown key form        | 'key: bearer'               | 'key: token'           | line 4, api.key | 'token' is not a key form: bearer
            both url and fetch         | 'url: "{/url}"'             | 'url: "{/url}"\n    fetch: /v1/files/{value}' | line 20, outputs.file | give one of url
            a built-in's name          | 'name: acme'                | 'name: tensorpool'     | line 1, name | 'tensorpool' is already a platform (tensorpool); choose another name
            a name that is no name     | 'name: acme'                | 'name: Acme Cloud'     | line 1, name | 'Acme Cloud' is not a name
            a GET with a body          | 'request: GET /v1/jobs/{jobId}' | 'request: {method: GET, path: "/v1/jobs/{jobId}", body: "{}"}' | line 7, status.request | a GET has no body
            """)
    void eachMistakeIsToldWithItsFileLineKeyAndWhatWasExpected(String mistake, String good, String bad, String where,
            String expected) {
        good = good.replace("\\n", "\n");
        assertThat(GOOD).contains(good);
        String text = GOOD.replaceFirst(java.util.regex.Pattern.quote(good),
                java.util.regex.Matcher.quoteReplacement(bad.replace("\\n", "\n")));
        assertThat(message(text)).as(mistake).startsWith(FILE + " " + where).contains(expected);
    }

    @Test
    void aPointerThatMatchesNothingInASampleAnswerIsAWarningWithTheAnswersKeys() {
        List<String> warnings = new ArrayList<>();
        read(GOOD.replace("state: /status", "state: /job/status"), warnings);
        assertThat(warnings).containsExactly(FILE + " line 8, status.state: /job/status matches nothing in"
                + " status.sample; the answer has the keys status, id");
    }

    @Test
    void twoFilesOfOneNameAreRefusedNamingBoth(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.yaml"), GOOD);
        Files.writeString(dir.resolve("b.yaml"), GOOD);
        try (CamelContext context = new DefaultCamelContext()) {
            assertThatThrownBy(() -> DeclaredPlatforms.load(context, "file:" + dir + "/*.yaml"))
                    .isInstanceOf(PlatformFileException.class).hasMessageContaining("'acme' is declared in")
                    .hasMessageContaining("a.yaml").hasMessageContaining("b.yaml");
        }
    }

    @Test
    void theComponentsOwnFilesAreItsTwoPlatformsAndAMissingFolderHoldsNone(@TempDir Path dir) throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            assertThat(DeclaredPlatforms.load(context, "classpath:platforms/*.yaml,file:" + dir.resolve("none")
                    + "/*.yaml")).containsOnlyKeys("openai-batch", "replicate");
        }
    }
}

package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jobharvester.component.SinkNames;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** What users check in the sink: the bytes, the manifest, nothing extra, nothing fetched twice. */
final class Delivered {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Delivered() {
    }

    static Path jobDir(Path output, SimJob job) {
        return output.resolve(SinkNames.jobKey(TensorPoolApi.NAME, job.id()));
    }

    static boolean manifestPresent(Path output, SimJob job) {
        return Files.exists(jobDir(output, job).resolve(SinkNames.MANIFEST));
    }

    /** Every file of the job is in the sink with the source's SHA-256, and only those plus the manifest. */
    static void assertComplete(Path output, SimJob job, String state) throws IOException {
        Path dir = jobDir(output, job);
        Set<String> present;
        try (Stream<Path> files = Files.walk(dir)) {
            present = files.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .collect(Collectors.toSet());
        }
        Set<String> expected = job.files().stream().map(SimFile::path).collect(Collectors.toSet());
        expected.add(SinkNames.MANIFEST);
        assertThat(present).as("files of %s in the sink", job.id()).isEqualTo(expected);
        Map<String, JsonNode> listed = new HashMap<>();
        JsonNode manifest = JSON.readTree(dir.resolve(SinkNames.MANIFEST).toFile());
        manifest.get("files").forEach(f -> listed.put(f.get("path").asText(), f));
        assertThat(manifest.get("provider").asText()).isEqualTo(TensorPoolApi.NAME);
        assertThat(manifest.get("jobId").asText()).isEqualTo(job.id());
        assertThat(manifest.get("state").asText()).isEqualTo(state);
        assertThat(manifest.get("fileCount").asInt()).isEqualTo(job.files().size());
        for (SimFile file : job.files()) {
            assertThat(Digests.sha256(dir.resolve(file.path()))).as(file.path()).isEqualTo(file.sha256());
            assertThat(listed.get(file.path()).get("sha256").asText()).as("manifest sha256 of " + file.path())
                    .isEqualTo(file.sha256());
            assertThat(listed.get(file.path()).get("size").asLong()).isEqualTo(file.size());
        }
    }

    static void assertEachDownloadedOnce(Simulator simulator, SimJob job) {
        for (SimFile file : job.files()) {
            assertThat(simulator.requests().downloads(TensorPoolApi.NAME, job.id(), file.path()))
                    .as("downloads of %s/%s", job.id(), file.path()).isEqualTo(1);
        }
    }
}

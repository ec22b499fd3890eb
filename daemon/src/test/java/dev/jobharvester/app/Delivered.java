package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jobharvester.common.SinkNames;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** What users check in the sink: the bytes, the manifest, nothing extra, nothing fetched twice. */
final class Delivered {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Delivered() {
    }

    static Path jobDir(String provider, Path output, SimJob job) {
        return output.resolve(SinkNames.jobKey(provider, job.id()));
    }

    static boolean manifestPresent(String provider, Path output, SimJob job) {
        return Files.isRegularFile(jobDir(provider, output, job).resolve(SinkNames.MANIFEST));
    }

    /**
     * Files under their final names in the job's folder while a daemon is writing to it: its temp files come and go
     * during the walk, so an entry gone before it is looked at is skipped rather than failing the count.
     */
    static long finalFilesWhileRunning(Path jobDir) throws IOException {
        if (!Files.isDirectory(jobDir)) {
            return 0;
        }
        long[] count = {0};
        Files.walkFileTree(jobDir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (attributes.isRegularFile() && !file.getFileName().toString().startsWith(".")) {
                    count[0]++;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException failure) throws IOException {
                if (failure instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw failure;
            }
        });
        return count[0];
    }

    static JsonNode manifest(String provider, Path output, SimJob job) throws IOException {
        return JSON.readTree(jobDir(provider, output, job).resolve(SinkNames.MANIFEST).toFile());
    }

    /** Every file of the job is in the sink with the source's SHA-256, and only those plus the manifest. */
    static void assertComplete(String provider, Path output, SimJob job, String state) throws IOException {
        assertComplete(provider, output, job, state, job.files());
    }

    /** These files are in the job's folder with the source's SHA-256 and in its manifest, and nothing else is. */
    static void assertComplete(String provider, Path output, SimJob job, String state, List<SimFile> expected)
            throws IOException {
        Path dir = jobDir(provider, output, job);
        Set<String> present;
        try (Stream<Path> files = Files.walk(dir)) {
            present = files.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .collect(Collectors.toSet());
        }
        Set<String> names = expected.stream().map(SimFile::path).collect(Collectors.toSet());
        names.add(SinkNames.MANIFEST);
        assertThat(present).as("files of %s in the sink", job.id()).isEqualTo(names);
        Map<String, JsonNode> listed = new HashMap<>();
        JsonNode manifest = manifest(provider, output, job);
        manifest.get("files").forEach(f -> listed.put(f.get("path").asText(), f));
        assertThat(manifest.get("provider").asText()).isEqualTo(provider);
        assertThat(manifest.get("jobId").asText()).isEqualTo(job.id());
        assertThat(manifest.get("state").asText()).isEqualTo(state);
        assertThat(manifest.get("fileCount").asInt()).isEqualTo(expected.size());
        for (SimFile file : expected) {
            assertThat(Files.getPosixFilePermissions(dir.resolve(SinkNames.MANIFEST))).as("the manifest's mode")
                    .isEqualTo(Files.getPosixFilePermissions(dir.resolve(file.path())));
            assertThat(Digests.sha256(dir.resolve(file.path()))).as(file.path()).isEqualTo(file.sha256());
            assertThat(listed.get(file.path()).get("sha256").asText()).as("manifest sha256 of " + file.path())
                    .isEqualTo(file.sha256());
            assertThat(listed.get(file.path()).get("size").asLong()).isEqualTo(file.size());
        }
    }

    static void assertEachDownloadedOnce(Simulator simulator, String provider, SimJob job, List<SimFile> files) {
        for (SimFile file : files) {
            assertThat(simulator.downloads(provider, job.id(), file.path()))
                    .as("downloads of %s/%s", job.id(), file.path()).isEqualTo(1);
        }
    }

    static void assertEachDownloadedOnce(Simulator simulator, String provider, SimJob job) {
        assertEachDownloadedOnce(simulator, provider, job, job.files());
    }
}

package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.component.JobOutputsConsumer;
import dev.jobharvester.component.JobPhase;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Worlds we did not think of, generated: jobs whose listings hold hostile and clashing names (case twins, a file named
 * as another's folder, unicode in two normal forms, names too long, {@code ..}, control characters, absolute paths),
 * files never uploaded, transfers that break midway, storage that answers 503 with Retry-After, and presigned URLs that
 * live one second. One daemon (the shipped TensorPool-to-directory pipeline) harvests world after world; after each,
 * the invariants users rely on must hold: every job ends; every delivered file is byte for byte the source's; every
 * listed file is in the manifest exactly once (delivered, mapped, refused or not uploaded); nothing lands outside the
 * job's folder; no temp file is left; no file is fetched again once delivered.
 * <p>
 * The budget is fixed (the tries below); jqwik prints the seed of every run, and of a failing world its shrunk form.
 * A failing seed becomes a regression test: copy it into {@code @Property(seed = "…")} of a test of its own.
 */
class GeneratedWorldsTest {

    private static final String NAME = TensorPoolApi.NAME;
    private static final String ROUTE = "tensorpool-to-directory";
    private static final Duration ENDS_WITHIN = Duration.ofSeconds(45);
    private static final AtomicInteger WORLDS = new AtomicInteger();

    private static Path dir;
    private static Simulator simulator;
    private static RunningHarvester harvester;

    @BeforeContainer
    static void start() throws Exception {
        dir = Files.createTempDirectory("generated-worlds");
        simulator = Simulator.started();
        Map<String, String> settings = RunningHarvester.settings(simulator, dir);
        settings.put("harvester.poll-delay", "50");
        harvester = RunningHarvester.start(settings);
    }

    @AfterContainer
    static void stop() throws IOException {
        harvester.close();
        simulator.close();
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    /** One file of a generated listing, and what its storage does to the first downloads. */
    record FileSpec(String path, int size, Fault fault) {
    }

    enum Fault {
        NONE, BREAKS_MIDWAY, BUSY, NOT_UPLOADED
    }

    record World(List<List<FileSpec>> jobs, boolean shortLivedUrls) {
    }

    @Provide
    Arbitrary<World> worlds() {
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.of("a", "A", "b", "B", "clash", "Clash", "data.bin", "DATA.BIN", "r\u00e9sum\u00e9",
                        "re\u0301sume\u0301", "..", ".", "x".repeat(300), "tab\there", "con", "_manifest.json"),
                Arbitraries.strings().withCharRange('a', 'e').ofMinLength(1).ofMaxLength(3));
        Arbitrary<String> path = Combinators.combine(segment.list().ofMinSize(1).ofMaxSize(3),
                Arbitraries.of("", "", "", "/"))
                .as((segments, root) -> root + String.join("/", segments));
        Arbitrary<FileSpec> file = Combinators.combine(path, Arbitraries.integers().between(0, 150_000),
                Arbitraries.of(Fault.values())).as(FileSpec::new);
        Arbitrary<List<FileSpec>> job = file.list().ofMinSize(1).ofMaxSize(8)
                .uniqueElements(FileSpec::path);
        return Combinators.combine(job.list().ofMinSize(1).ofMaxSize(3), Arbitraries.of(true, false))
                .as(World::new);
    }

    @Property(tries = 150, shrinking = ShrinkingMode.BOUNDED)
    void everyJobEndsWithEveryListedFileAccountedForOnceAndEveryDeliveredFileWhole(@ForAll("worlds") World world)
            throws Exception {
        int number = WORLDS.incrementAndGet();
        simulator.urlTtl(world.shortLivedUrls() ? Duration.ofSeconds(1) : Duration.ofMinutes(15));
        List<SimJob> jobs = new ArrayList<>();
        for (int j = 0; j < world.jobs().size(); j++) {
            List<SimFile> files = new ArrayList<>();
            for (FileSpec spec : world.jobs().get(j)) {
                files.add(simFile(spec));
            }
            jobs.add(simulator.addJob(NAME, SimJob.of("world-" + number + "-job-" + j,
                    JobScript.start("running", 1).thenStays("completed"), files)));
        }
        JobOutputsConsumer consumer = (JobOutputsConsumer) harvester.context().getRoute(ROUTE).getConsumer();
        jobs.forEach(job -> consumer.addJob(job.id()));

        Path output = RunningHarvester.output(dir);
        await().atMost(ENDS_WITHIN).until(() -> jobs.stream().allMatch(job -> ended(consumer, output, job)));
        for (SimJob job : jobs) {
            assertJobInvariants(consumer, output, job);
        }
        assertNothingOutsideTheJobFolders(output);
    }

    private static SimFile simFile(FileSpec spec) {
        SimFile file = SimFile.of(spec.path(), spec.size());
        return switch (spec.fault()) {
            case NONE -> file;
            case BREAKS_MIDWAY -> file.abortAfter(spec.size() / 2, 2);
            case BUSY -> file.busy(1, "1");
            case NOT_UPLOADED -> file.notUploaded();
        };
    }

    private static boolean ended(JobOutputsConsumer consumer, Path output, SimJob job) {
        JobPhase phase = consumer.jobPhase(job.id());
        return Delivered.manifestPresent(NAME, output, job) || phase == JobPhase.PARKED
                || phase == JobPhase.GIVEN_UP || phase == JobPhase.NOT_HARVESTED;
    }

    private static void assertJobInvariants(JobOutputsConsumer consumer, Path output, SimJob job) throws Exception {
        assertThat(Delivered.manifestPresent(NAME, output, job))
                .as("%s ended with a manifest (phase %s, parked %s)", job.id(), consumer.jobPhase(job.id()),
                        consumer.getParkedFiles())
                .isTrue();
        JsonNode manifest = Delivered.manifest(NAME, output, job);
        Map<String, Integer> accounted = new HashMap<>();
        Map<String, String> deliveredAs = new LinkedHashMap<>();
        for (JsonNode file : manifest.get("files")) {
            String source = file.has("sourcePath") ? file.get("sourcePath").asText() : file.get("path").asText();
            accounted.merge(source, 1, Integer::sum);
            deliveredAs.put(source, file.get("path").asText());
        }
        for (String list : List.of("refused", "unavailable", "skippedByRoute")) {
            manifest.get(list).forEach(entry -> accounted.merge(entry.get("sourcePath").asText(), 1, Integer::sum));
        }
        Map<String, Integer> listed = job.files().stream()
                .collect(Collectors.toMap(SimFile::path, file -> 1));
        assertThat(accounted).as("listed files of %s in its manifest, each once", job.id()).isEqualTo(listed);

        Path jobDir = Delivered.jobDir(NAME, output, job);
        for (SimFile file : job.files()) {
            String path = deliveredAs.get(file.path());
            if (path == null) {
                continue;
            }
            assertThat(Digests.sha256(jobDir.resolve(path))).as("%s/%s, delivered as %s", job.id(), file.path(), path)
                    .isEqualTo(file.sha256());
            if (simulator.downloads(NAME, job.id(), file.path()) > 0) {
                // Fetched again only while it broke midway (a resume counts as a download) or storage was busy.
                assertThat(simulator.downloads(NAME, job.id(), file.path())).as("downloads of %s", file.path())
                        .isLessThanOrEqualTo(3);
            }
        }
        try (Stream<Path> files = Files.walk(jobDir)) {
            List<String> present = files.filter(Files::isRegularFile).map(p -> jobDir.relativize(p).toString())
                    .toList();
            assertThat(present).as("temp files in %s", job.id()).noneMatch(name -> name.contains(".inprogress-"));
            List<String> expected = new ArrayList<>(deliveredAs.values());
            expected.add("_manifest.json");
            assertThat(present).as("files in the folder of %s", job.id()).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    /** Every file under the sink is in a job's folder: {provider}/{jobId}/... */
    private static void assertNothingOutsideTheJobFolders(Path output) throws IOException {
        try (Stream<Path> files = Files.walk(output)) {
            assertThat(files.filter(Files::isRegularFile).map(output::relativize))
                    .allSatisfy(file -> {
                        assertThat(file.getNameCount()).as(file.toString()).isGreaterThanOrEqualTo(3);
                        assertThat(file.getName(0).toString()).isEqualTo(NAME);
                        assertThat(file.getName(1).toString()).startsWith("world-");
                    });
        }
    }
}

package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jobharvester.component.JobOutputsConsumer;
import dev.jobharvester.component.JobPhase;
import dev.jobharvester.common.SinkNames;
import dev.jobharvester.durability.SmallFileSystem;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.PixxelApi;
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
import java.util.Set;
import java.util.concurrent.Callable;
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
 * as another's folder, unicode in two normal forms, names too long, {@code ..}, control characters, absolute paths,
 * the harvester's own names), files never uploaded, transfers that break midway, storage that answers 503 with
 * Retry-After, large transfers that break more often than an attempt resumes (so only the bytes the sink kept move
 * them on), presigned URLs that live one second, a folder of somebody's where a file must go, in a longer run a sink
 * disk that is full when the jobs come (a real tmpfs, freed once the pipelines met it); and Pixxel packages
 * holding such names, bombs and entries lying about their size. One daemon (the shipped directory pipelines) harvests
 * world after world; after each, the invariants users rely on must hold: every job ends; every delivered file is byte
 * for byte the source's; every listed file is in the manifest exactly once (delivered, mapped, refused or not
 * uploaded); nothing lands outside the job's folder; no temp file is left; no file is fetched again once delivered, nor
 * a large file's bytes once kept; a
 * job the sink refused a file of ends parked, naming it; a package is fetched once, its bombs and liars refused, its
 * other entries delivered whole.
 * <p>
 * The budget is fixed (the tries below); jqwik prints the seed of every run, and of a failing world its shrunk form.
 * A failing seed becomes a regression test: copy it into {@code @Property(seed = "…")} of a test of its own.
 */
class GeneratedWorldsTest {

    private static final String NAME = TensorPoolApi.NAME;
    private static final String ROUTE = "tensorpool-to-directory";
    private static final String PACKAGE_ROUTE = "pixxel-to-directory";
    private static final Duration ENDS_WITHIN = Duration.ofSeconds(45);
    private static final AtomicInteger WORLDS = new AtomicInteger();

    private static Path dir;
    private static PixxelApi pixxel;
    private static Simulator simulator;
    private static RunningHarvester harvester;
    /**
     * Whether worlds may find the sink's disk full: a longer run, not CI's budget (-Dworlds.fill-disk=true), since a
     * world whose jobs all end without one delivery (refused, parked) leaves the sink's outage open, and the next full
     * disk doubles its cool-down, as it should: runs of such worlds wait up to a minute. They found the cool-down
     * doubling once per delivery in flight (SinkOutageTest).
     */
    private static final boolean FILL_DISK = Boolean.getBoolean("worlds.fill-disk");
    /** The sink's own small file system, which worlds fill up; null unless they do. */
    private static SmallFileSystem disk;

    @BeforeContainer
    static void start() throws Exception {
        dir = Files.createTempDirectory("generated-worlds");
        if (FILL_DISK) {
            disk = SmallFileSystem.mount(RunningHarvester.output(dir), "256m");
        }
        pixxel = new PixxelApi("sim-pixxel-key");
        simulator = new Simulator(new TensorPoolApi("sim-tensorpool-key"), pixxel).start();
        Map<String, String> settings = RunningHarvester.settings(simulator, dir);
        settings.put("harvester.poll-delay", "50");
        // One resume per attempt: transfers that break twice go to a second attempt, without the backoff of five.
        settings.put("harvester.max-resumes", "1");
        harvester = RunningHarvester.start(settings);
    }

    @AfterContainer
    static void stop() throws Exception {
        harvester.close();
        simulator.close();
        if (disk != null) {
            disk.close();
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    /** One file of a generated listing, and what its storage does to the first downloads. */
    record FileSpec(String path, int size, Fault fault) {
    }

    enum Fault {
        NONE, BREAKS_MIDWAY, BUSY, NOT_UPLOADED,
        /** A large file whose every request breaks, more often than an attempt resumes: only kept bytes move it on. */
        BREAKS_AT_EVERY_TRY
    }

    /** What a {@link Fault#BREAKS_AT_EVERY_TRY} file holds beyond its generated size: enough to be kept when cut. */
    private static final int LARGE = 2 << 20;

    /** One entry of a generated package: plain bytes, a run of zeros (a bomb), or bytes lying about their size. */
    record EntrySpec(String name, int size, Entry kind) {
    }

    enum Entry {
        PLAIN, ZEROS, LYING
    }

    /**
     * @param blocked   whether a folder of somebody's stands where the first file of the first job must go: the sink
     *                  refuses that one file
     * @param diskFills whether the sink's disk is full when the jobs come, until the pipelines have met it
     */
    record World(List<List<FileSpec>> jobs, List<List<EntrySpec>> packages, boolean shortLivedUrls, boolean blocked,
            boolean diskFills) {
    }

    @Provide
    Arbitrary<World> worlds() {
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.of("a", "A", "b", "B", "clash", "Clash", "data.bin", "DATA.BIN", "r\u00e9sum\u00e9",
                        "re\u0301sume\u0301", "..", ".", "x".repeat(300), "tab\there", "con", "_manifest.json",
                        "_refused"),
                Arbitraries.strings().withCharRange('a', 'e').ofMinLength(1).ofMaxLength(3));
        Arbitrary<String> path = Combinators.combine(segment.list().ofMinSize(1).ofMaxSize(3),
                Arbitraries.of("", "", "", "/"))
                .as((segments, root) -> root + String.join("/", segments));
        Arbitrary<FileSpec> file = Combinators.combine(path, Arbitraries.integers().between(0, 150_000),
                Arbitraries.of(Fault.values())).as(FileSpec::new);
        Arbitrary<List<FileSpec>> job = file.list().ofMinSize(1).ofMaxSize(8)
                .uniqueElements(FileSpec::path);
        Arbitrary<EntrySpec> entry = Combinators.combine(path.filter(p -> !p.startsWith("/")),
                Arbitraries.integers().between(0, 120_000), Arbitraries.of(Entry.PLAIN, Entry.PLAIN, Entry.ZEROS,
                        Entry.LYING)).as(EntrySpec::new);
        Arbitrary<List<EntrySpec>> archive = entry.list().ofMinSize(1).ofMaxSize(6).uniqueElements(EntrySpec::name);
        return Combinators.combine(job.list().ofMinSize(1).ofMaxSize(3), archive.list().ofMaxSize(2),
                Arbitraries.of(true, false), Arbitraries.of(true, false, false, false),
                FILL_DISK ? Arbitraries.of(true, false, false, false, false, false) : Arbitraries.just(false))
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
        Path output = RunningHarvester.output(dir);
        String blockedPath = world.blocked() ? block(output, jobs.get(0)) : null;
        List<SimJob> packages = new ArrayList<>();
        for (int p = 0; p < world.packages().size(); p++) {
            SimJob job = simulator.addJob(PixxelApi.NAME, SimJob.of("world-" + number + "-package-" + p,
                    JobScript.start("running", 1).thenStays("completed")));
            pixxel.packageFor(job.id(), zip(world.packages().get(p)));
            packages.add(job);
        }
        JobOutputsConsumer consumer = consumer(ROUTE);
        JobOutputsConsumer unpacking = consumer(PACKAGE_ROUTE);
        boolean fills = world.diskFills() && disk != null;
        long sinkFailures = consumer.getSinkFailures() + unpacking.getSinkFailures();
        Path filler = fills ? disk.fill() : null;
        jobs.forEach(job -> consumer.addJob(job.id()));
        packages.forEach(job -> unpacking.addJob(job.id()));
        Callable<Boolean> allEnded = () -> jobs.stream().allMatch(job -> ended(consumer, NAME, output, job))
                && packages.stream().allMatch(job -> ended(unpacking, PixxelApi.NAME, output, job));
        if (filler != null) {
            // Room comes back once the full disk was met (a job whose every file was refused or parked may not meet it).
            await().atMost(ENDS_WITHIN).until(() -> consumer.getSinkFailures() + unpacking.getSinkFailures() > sinkFailures
                    || allEnded.call());
            Files.delete(filler);
        }

        await().atMost(ENDS_WITHIN).until(allEnded);
        for (SimJob job : jobs) {
            if (job == jobs.get(0) && blockedPath != null && consumer.jobPhase(job.id()) == JobPhase.PARKED) {
                assertParkedForTheBlockedFile(consumer, output, job, blockedPath);
            } else {
                assertJobInvariants(consumer, output, job, !fills);
            }
        }
        for (int p = 0; p < packages.size(); p++) {
            assertPackageInvariants(output, packages.get(p), world.packages().get(p), !fills);
        }
        assertNothingOutsideTheJobFolders(output);
        // The small disk holds one world at a time; the ledger remembers the jobs delivered.
        for (SimJob job : jobs) {
            removeTree(Delivered.jobDir(NAME, output, job));
        }
        for (SimJob job : packages) {
            removeTree(Delivered.jobDir(PixxelApi.NAME, output, job));
        }
    }

    private static JobOutputsConsumer consumer(String route) {
        return (JobOutputsConsumer) harvester.context().getRoute(route).getConsumer();
    }

    private static void removeTree(Path folder) throws IOException {
        if (Files.exists(folder)) {
            try (Stream<Path> all = Files.walk(folder)) {
                all.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /**
     * An empty folder where the job's first file goes, when its name is one the sink takes: the rename onto it fails
     * for that file alone. Answers the file's source path, or null when nothing was blocked.
     */
    private static String block(Path output, SimJob job) throws IOException {
        SimFile first = job.files().get(0);
        try {
            Files.createDirectories(Delivered.jobDir(NAME, output, job).resolve(SinkNames.relativePath(first.path())));
            return first.path();
        } catch (IllegalArgumentException refusedName) {
            return null;
        }
    }

    private static void assertParkedForTheBlockedFile(JobOutputsConsumer consumer, Path output, SimJob job,
            String blocked) throws IOException {
        // The file, or the manifest when the folder took its name.
        assertThat(consumer.getParkedFiles()).as("parked files").anySatisfy(parked -> assertThat(parked)
                .contains(job.id()).containsAnyOf("the sink refused it", "the manifest was refused"));
        Set<String> sources = job.files().stream().map(SimFile::sha256).collect(Collectors.toSet());
        Path jobDir = Delivered.jobDir(NAME, output, job);
        try (Stream<Path> files = Files.walk(jobDir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(file.getFileName().toString()).as("temp files").doesNotStartWith(".inprogress-");
                assertThat(Digests.sha256(file)).as("%s: the bytes of a listed file", file).isIn(sources);
            }
        }
    }

    private static byte[] zip(List<EntrySpec> entries) throws IOException {
        TestZip zip = new TestZip();
        for (EntrySpec entry : entries) {
            switch (entry.kind()) {
                case PLAIN -> zip.entry(entry.name(), bytes(entry));
                case ZEROS -> zip.entry(entry.name(), new byte[3 << 20]);
                case LYING -> zip.lying(entry.name(), bytes(entry), entry.size() / 2);
            }
        }
        return zip.bytes();
    }

    private static byte[] bytes(EntrySpec entry) {
        byte[] bytes = new byte[entry.size() + (entry.kind() == Entry.LYING ? 2 : 0)];
        new java.util.Random(entry.name().hashCode()).nextBytes(bytes);
        return bytes;
    }

    /** Every entry of the package in its manifest once; plain ones delivered whole, bombs and liars refused. */
    /** @param fetchesCounted whether the disk stayed free, so that no sink failure made a fetch count again */
    private static void assertPackageInvariants(Path output, SimJob job, List<EntrySpec> entries,
            boolean fetchesCounted) throws Exception {
        assertThat(Delivered.manifestPresent(PixxelApi.NAME, output, job)).as("%s ended with a manifest", job.id())
                .isTrue();
        JsonNode manifest = Delivered.manifest(PixxelApi.NAME, output, job);
        Map<String, String> deliveredAs = new HashMap<>();
        Map<String, Integer> accounted = new HashMap<>();
        for (JsonNode file : manifest.get("files")) {
            String source = file.has("sourcePath") ? file.get("sourcePath").asText() : file.get("path").asText();
            accounted.merge(source, 1, Integer::sum);
            deliveredAs.put(source, file.get("path").asText());
        }
        manifest.get("refused").forEach(entry -> accounted.merge(entry.get("sourcePath").asText(), 1, Integer::sum));
        Map<String, Integer> listed = entries.stream()
                .collect(Collectors.toMap(entry -> PixxelApi.PACKAGE + "!/" + entry.name(), entry -> 1));
        assertThat(accounted).as("entries of %s in its manifest, each once", job.id()).isEqualTo(listed);
        Path jobDir = Delivered.jobDir(PixxelApi.NAME, output, job);
        for (EntrySpec entry : entries) {
            String path = deliveredAs.get(PixxelApi.PACKAGE + "!/" + entry.name());
            if (entry.kind() != Entry.PLAIN) {
                assertThat(path).as("%s, a %s entry, delivered", entry.name(), entry.kind()).isNull();
            } else if (path != null) {
                assertThat(Files.readAllBytes(jobDir.resolve(path))).as(entry.name()).isEqualTo(bytes(entry));
            }
        }
        if (fetchesCounted) {
            assertThat(simulator.downloads(PixxelApi.NAME, job.id(), PixxelApi.PACKAGE)).as("package downloads")
                    .isEqualTo(1);
        }
    }

    private static SimFile simFile(FileSpec spec) {
        if (spec.fault() == Fault.BREAKS_AT_EVERY_TRY) {
            // The first attempt breaks at its first try and at its one resume; the second goes on from its bytes.
            int size = LARGE + spec.size();
            return SimFile.of(spec.path(), size).abortAfter(size / 3, 2);
        }
        SimFile file = SimFile.of(spec.path(), spec.size());
        return switch (spec.fault()) {
            case NONE, BREAKS_AT_EVERY_TRY -> file;
            case BREAKS_MIDWAY -> file.abortAfter(spec.size() / 2, 2);
            case BUSY -> file.busy(1, "1");
            case NOT_UPLOADED -> file.notUploaded();
        };
    }

    private static boolean ended(JobOutputsConsumer consumer, String provider, Path output, SimJob job) {
        JobPhase phase = consumer.jobPhase(job.id());
        return Delivered.manifestPresent(provider, output, job) || phase == JobPhase.PARKED
                || phase == JobPhase.GIVEN_UP || phase == JobPhase.NOT_HARVESTED;
    }

    /** @param fetchesCounted whether the disk stayed free, so that no sink failure made a fetch count again */
    private static void assertJobInvariants(JobOutputsConsumer consumer, Path output, SimJob job,
            boolean fetchesCounted) throws Exception {
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
            if (!fetchesCounted) {
                continue;
            }
            if (file.size() >= LARGE) {
                assertThat(file.bytesServed()).as("bytes of %s served, kept across its attempts", file.path())
                        .isEqualTo(file.size());
            } else if (simulator.downloads(NAME, job.id(), file.path()) > 0) {
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
                        assertThat(file.getName(0).toString()).isIn(NAME, PixxelApi.NAME);
                        assertThat(file.getName(1).toString()).startsWith("world-");
                    });
        }
    }
}

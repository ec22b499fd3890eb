package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Provider;
import java.security.Security;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher (target/job-harvester, what the container image and the systemd unit run) as a user gets it: copied
 * with the jar into a folder of their own, run with its shipped JVM settings. {@code JAVA} names a wrapper that writes
 * down the command line the launcher builds, then runs this JDK's java with it.
 */
class LauncherIT {

    private static final Path TARGET = Path.of("target");
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    /** Where the launcher runs one-shot commands on C1 with native digests. */
    private static final boolean LINUX_X86_64 = System.getProperty("os.name").equals("Linux")
            && System.getProperty("os.arch").equals("amd64");

    @TempDir
    Path home;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    /** The java the launcher is given: writes down each command line it gets, then runs this JDK's java with it. */
    @BeforeEach
    void writeRecordingJava() throws IOException {
        writeRecordingJava(home.resolve("java-wrapper"));
    }

    private void writeRecordingJava(Path wrapper) throws IOException {
        writeJava(wrapper, "exec \"" + JAVA + "\" \"$@\"\n");
    }

    /** A java that writes down each command line it gets, then does {@code then} (a shell line). */
    private void writeJava(Path wrapper, String then) throws IOException {
        Files.writeString(wrapper, "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"" + home.resolve("commands.txt") + "\"\n"
                + then);
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** The launcher and the jar copied into {@code folder}, without the class-data archive made for target/. */
    private static Path installed(Path folder) throws IOException {
        Files.createDirectories(folder);
        for (String name : List.of("job-harvester", "job-harvester.jar")) {
            Files.copy(TARGET.resolve(name), folder.resolve(name));
        }
        return folder;
    }

    /** {@code ./job-harvester arguments} in the folder, with the shipped settings and the recording java. */
    private ProcessBuilder launcher(Path folder, String... arguments) {
        return launcher(folder, home.resolve("java-wrapper"), arguments);
    }

    private static ProcessBuilder launcher(Path folder, Path java, String... arguments) {
        List<String> command = new ArrayList<>(List.of("./job-harvester"));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = NewUserProcess.in(folder, command);
        builder.environment().put("JAVA", java.toString());
        return builder;
    }

    /** {@code ./job-harvester harvest} of one job, in the folder; its exit code. */
    private int harvest(Path folder, SimJob job) throws Exception {
        return harvest(folder, home.resolve("java-wrapper"), job);
    }

    private int harvest(Path folder, Path java, SimJob job) throws Exception {
        return exitOf(harvesting(folder, java, job));
    }

    private ProcessBuilder harvesting(Path folder, Path java, SimJob job) {
        ProcessBuilder builder = launcher(folder, java, "harvest", "--route", "tensorpool-to-directory", "--jobs",
                job.id());
        builder.environment().putAll(NewUserProcess.pointedAt(simulator));
        return builder;
    }

    private static int exitOf(ProcessBuilder builder) throws Exception {
        Process process = builder.start();
        assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("harvest ended").isTrue();
        return process.exitValue();
    }

    private SimJob job(String id) {
        return simulator.addJob(TensorPoolApi.NAME, SimJob.of(id, JobScript.always("completed"),
                SimFile.of("model.bin", 3_000_000), SimFile.of("logs/run.txt", 1_000)));
    }

    private List<String> commands() throws IOException {
        return Files.readAllLines(home.resolve("commands.txt"));
    }

    @Test
    void harvestsWithTheShippedSettingsAndMakesTheArchiveOncePerPlaceAndJava() throws Exception {
        Path folder = installed(home.resolve("opt"));
        SimJob first = job("first");
        SimJob second = job("second");

        assertThat(harvest(folder, first)).as("exit code; output:%n%s", NewUserProcess.output(folder)).isZero();
        assertThat(simulator.deliveryFaults(TensorPoolApi.NAME, first, folder.resolve("harvested/tensorpool/first")))
                .isEmpty();
        Path archive = folder.resolve("job-harvester.jsa");
        assertThat(archive).as("the archive the first command made at its exit").isNotEmptyFile();
        long made = Files.getLastModifiedTime(archive).toMillis();

        Path classes = home.resolve("classes.txt");
        ProcessBuilder logged = harvesting(folder, home.resolve("java-wrapper"), second);
        logged.environment().put("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + classes);
        assertThat(exitOf(logged)).as("exit code; output:%n%s", NewUserProcess.output(folder)).isZero();
        assertThat(simulator.deliveryFaults(TensorPoolApi.NAME, second, folder.resolve("harvested/tensorpool/second")))
                .isEmpty();
        assertThat(commands()).hasSize(2);
        assertThat(commands().get(0)).contains("-XX:ArchiveClassesAtExit=" + archive.toAbsolutePath())
                .doesNotContain("SharedArchiveFile");
        assertThat(commands().get(1)).contains("-XX:SharedArchiveFile=" + archive.toAbsolutePath())
                .doesNotContain("ArchiveClassesAtExit");
        assertThat(Files.getLastModifiedTime(archive).toMillis()).as("the archive, used, not made again").isEqualTo(made);
        assertThat(NewUserProcess.output(folder)).doesNotContain(simulator.apiKey(TensorPoolApi.NAME));
        // Which security providers a start instantiates changes from start to start: the archive holds them all.
        List<String> loaded = Files.readAllLines(classes);
        for (Provider provider : Security.getProviders()) {
            String name = provider.getClass().getName();
            assertThat(loaded).as("where %s came from", name)
                    .anyMatch(line -> line.contains(" " + name + " source: shared objects file"));
        }

        // Moved elsewhere with its archive: that archive is for the old path, so the next command makes a new one.
        Path moved = home.resolve("moved");
        Files.createDirectories(moved);
        for (String name : List.of("job-harvester", "job-harvester.jar", "job-harvester.jsa", "job-harvester.jsa.for")) {
            Files.copy(folder.resolve(name), moved.resolve(name));
        }
        assertThat(harvest(moved, job("third"))).as("exit code; output:%n%s", NewUserProcess.output(moved)).isZero();
        assertThat(commands().get(2)).contains("-XX:ArchiveClassesAtExit=" + moved.resolve("job-harvester.jsa")
                .toAbsolutePath());

        // Run by another java (switched, or updated in place): the JVM would skip the archive, so the launcher remakes it.
        Path otherJava = home.resolve("other-java");
        writeRecordingJava(otherJava);
        assertThat(harvest(folder, otherJava, job("fourth"))).as("exit code; output:%n%s",
                NewUserProcess.output(folder)).isZero();
        assertThat(commands().get(3)).contains("-XX:ArchiveClassesAtExit=" + archive.toAbsolutePath())
                .doesNotContain("SharedArchiveFile");
    }

    /**
     * A command that ends by itself runs on C1 alone where the digests are native (Linux on x86-64), elsewhere with a C2
     * compiler slow to start (it would compile start-up code it never runs again); a daemon, also when its command is
     * left out, keeps the JVM's thresholds, which warm it within a few jobs, but compiles with C2 alone on one
     * thread and inlines less deep (the compiler made its peak RSS); the simulator keeps the JVM's defaults;
     * JAVA_OPTS replaces all of them.
     */
    @Test
    void onlyTheCommandsThatEndDelayTheOptimizingCompiler() throws Exception {
        Path folder = installed(home.resolve("opt"));
        Path recordOnly = home.resolve("record-only-java");
        writeJava(recordOnly, "");
        Map<List<String>, Boolean> delayed = new LinkedHashMap<>();
        delayed.put(List.of("run"), false);
        delayed.put(List.of("--config", "harvester.yaml"), false);
        delayed.put(List.of("simulator"), false);
        for (String command : List.of("harvest", "check", "ledger", "demo")) {
            delayed.put(List.of(command), true);
        }
        for (List<String> arguments : delayed.keySet()) {
            assertThat(launcher(folder, recordOnly, arguments.toArray(String[]::new)).start().waitFor()).isZero();
        }
        ProcessBuilder own = launcher(folder, recordOnly, "harvest");
        own.environment().put("JAVA_OPTS", "-Xmx1g");
        assertThat(own.start().waitFor()).isZero();

        Iterator<String> lines = commands().iterator();
        List<String> runLines = new ArrayList<>();
        delayed.forEach((arguments, delays) -> {
            String line = lines.next();
            assertThat(line).endsWith("job-harvester.jar " + String.join(" ", arguments));
            // A daemon's young generation is small, for its memory; a command that ends has one of 48 MiB, for speed.
            assertThat(line).contains(delays ? "-Xms80m -Xmx164m -Xmn48m" : "-Xms32m -Xmx128m -Xmn12m");
            if (!delays) {
                assertThat(line).doesNotContain("TieredStopAtLevel", "Tier4");
                if (arguments.contains("simulator")) {
                    assertThat(line).doesNotContain("Tiered", "CICompilerCount", "Inline");
                } else {
                    assertThat(line).contains("-XX:-TieredCompilation -XX:CICompilerCount=1 -XX:MaxInlineLevel=3"
                            + " -XX:MaxInlineSize=20 -XX:InlineSmallCode=500");
                    runLines.add(line);
                }
            } else if (LINUX_X86_64) {
                assertThat(line).contains("-XX:TieredStopAtLevel=1 -Djobharvester.digests=native")
                        .doesNotContain("Tier4");
            } else {
                assertThat(line).contains("-XX:Tier4InvocationThreshold=50000", "-XX:Tier4BackEdgeThreshold=400000");
            }
        });
        assertThat(lines.next()).startsWith("-Xmx1g ").doesNotContain("Tier", "Inline", "-Xmx128m", "-Xmx164m", "-Xmn");
        assertThat(lines).isExhausted();
        assertKnownToThisJdk(runLines.get(0));
    }

    /**
     * The commands the launcher makes the archive with are the ones that warm up first (providers and TLS): another
     * command's archive would lack what a start loads in a different order each time (checked above for harvest).
     */
    @Test
    void theCommandsThatMakeTheArchiveAreTheOnesThatWarmUp() throws IOException {
        Matcher making = Pattern.compile("case \\$subcommand in ([a-z |]+)\\) true")
                .matcher(Files.readString(TARGET.resolve("job-harvester")));
        assertThat(making.find()).as("the launcher's list of archive-making commands").isTrue();
        assertThat(Set.of(making.group(1).replace(" ", "").split("\\|"))).isEqualTo(HarvesterMain.WARMED_UP);
    }

    /**
     * A {@code help} makes no archive: only the commands that build the pipelines do (one made here would hold a few
     * classes, and every later start would use it). And the shipped settings carry -XX:+IgnoreUnrecognizedVMOptions
     * (for JDKs older than 17.0.9), which would hide a misspelt option too: every one of them must be known to the JDK
     * the build runs on.
     */
    @Test
    void aHelpMakesNoArchiveAndEveryShippedJvmOptionIsKnownToThisJdk() throws Exception {
        Path folder = installed(home.resolve("opt"));
        Process help = launcher(folder, "help").start();
        assertThat(help.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(help.exitValue()).as("exit code; output:%n%s", NewUserProcess.output(folder)).isZero();
        String command = commands().get(0);
        assertThat(command).doesNotContain("ArchiveClassesAtExit", "SharedArchiveFile");
        assertThat(folder.resolve("job-harvester.jsa")).doesNotExist();
        assertThat(jvmOptions(command)).as("the shipped heap settings").contains("-Xmx164m", "-XX:+UseSerialGC");
        assertKnownToThisJdk(command);
    }

    private static List<String> jvmOptions(String command) {
        List<String> options = new ArrayList<>();
        for (String word : command.split(" ")) {
            if (word.equals("-jar")) {
                break;
            }
            if (!word.equals("-XX:+IgnoreUnrecognizedVMOptions")) {
                options.add(word);
            }
        }
        return options;
    }

    private static void assertKnownToThisJdk(String command) throws IOException, InterruptedException {
        List<String> options = jvmOptions(command);
        List<String> check = new ArrayList<>(List.of(JAVA));
        check.addAll(options);
        check.add("-version");
        Process version = new ProcessBuilder(check).redirectErrorStream(true).start();
        String printed = new String(version.getInputStream().readAllBytes());
        assertThat(version.waitFor()).as("java %s -version:%n%s", String.join(" ", options), printed).isZero();
        assertThat(Arrays.asList(printed.split("\n"))).noneMatch(line -> line.contains("Unrecognized"));
    }
}

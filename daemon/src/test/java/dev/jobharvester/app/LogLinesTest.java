package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import dev.jobharvester.testing.CapturedLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator's log holds: a start in a few lines, and a many-file job told as it goes, not line by file. */
class LogLinesTest {

    private static final int FILES = 20_000;

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    private static long vertxCaches() throws IOException {
        try (Stream<Path> temp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return temp.filter(p -> p.getFileName().toString().startsWith("vertx-cache-")).count();
        }
    }

    @Test
    void aCleanStartTakesAFewLinesNoWarningAndLeavesNothingInTheTempDirectory() throws Exception {
        long caches = vertxCaches();
        try (CapturedLog log = CapturedLog.attach();
                RunningHarvester harvester = RunningHarvester.start(RunningHarvester.settings(simulator, dir))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> harvester.context().isStarted());
            System.out.printf("a clean start: %d lines%n%s%n", log.printedLines(), String.join("\n", log.lines()));
            assertThat(log.warnings()).isEmpty();
            assertThat(log.printedLines()).isLessThanOrEqualTo(12);
            assertThat(String.join("\n", log.lines())).doesNotContain("0.0.0.0");
        }
        assertThat(vertxCaches()).isEqualTo(caches);
    }

    @Test
    void aTwentyThousandFileJobLogsItsProgressEveryIntervalAndNotALinePerFile() throws Exception {
        List<SimFile> files = IntStream.range(0, FILES).mapToObj(i -> SimFile.of("shard-" + i / 1000 + "/part-" + i, 16))
                .toList();
        simulator.addJob(TensorPoolApi.NAME, SimJob.of("big", JobScript.always("completed"), files));
        Map<String, String> settings = RunningHarvester.settings(simulator, dir, "big");
        settings.put("harvester.fsync", "false");
        settings.put("camel.component.job-outputs.progress-interval", "1000");
        Path manifest = RunningHarvester.output(dir).resolve("tensorpool/big/_manifest.json");
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            try (CapturedLog log = CapturedLog.attach()) {
                // The job's last line is written just after its manifest is in place.
                await().atMost(Duration.ofMinutes(5)).until(() -> Files.exists(manifest)
                        && log.lines().stream().anyMatch(line -> line.contains("harvested: 20,000 files")));
                List<String> lines = log.lines();
                System.out.printf("a %,d-file harvest: %d lines%n%s%n", FILES, log.printedLines(), String.join("\n", lines));
                assertThat(log.warnings()).isEmpty();
                assertThat(lines).anyMatch(line -> line.contains("ended 'completed': harvesting"));
                assertThat(lines).anyMatch(line -> line.matches("tensorpool job big: [\\d,]+ of 20,000 files.* delivered"));
                assertThat(lines).filteredOn(line -> line.contains("harvested: 20,000 files")).singleElement().asString()
                        .contains("this run 20,000 files");
                assertThat(log.printedLines()).isLessThan(200);
            }
        }
    }
}

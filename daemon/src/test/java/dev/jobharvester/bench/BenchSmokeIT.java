package dev.jobharvester.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobharvester.ledger.PostgresDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * bench/run.sh on tiny sizes: every tool and workload runs and lands in the results table. No timing is asserted; the
 * speed goals live in bench/RESULTS.md, measured on a quiet machine.
 */
class BenchSmokeIT {

    private static final Path REPOSITORY = Path.of("..");

    /** Runs a benchmark script with --smoke and answers the results table it wrote under target/bench. */
    private static String smoke(String script, String results) throws IOException, InterruptedException {
        return smoke(script, results, "nginx");
    }

    private static String smoke(String script, String results, String source) throws IOException, InterruptedException {
        Path log = Path.of("target", script.replace(".sh", "") + "-" + source + "-smoke.log");
        ProcessBuilder builder = new ProcessBuilder("bash", "bench/" + script, "--smoke").directory(REPOSITORY.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        // The test servers the script starts come from this suite's own class path.
        builder.environment().put("BENCH_TEST_CP", System.getProperty("java.class.path"));
        builder.environment().put("BENCH_SOURCE", source);
        Process bench = builder.start();
        assertThat(bench.waitFor(10, TimeUnit.MINUTES)).as("finished").isTrue();
        assertThat(bench.exitValue()).as("exit code; see %s", log).isZero();
        return Files.readString(REPOSITORY.resolve(Path.of("target", "bench", results)));
    }

    @Test
    void theBenchmarkAgainstNginxRunsEndToEndAndWritesItsTable() throws IOException, InterruptedException {
        String results = smoke("run.sh", "RESULTS.md");
        for (String tool : new String[] {"| curl |", "| aria2c |", "| rclone |", "harvester (running daemon)",
                "harvester (one-shot", "| rclone copyurl |", "into s3proxy", "into s3proxy over https |",
                "| sftp (OpenSSH) |", "50 ms round trip", "harvester (one-shot, launcher)",
                "harvester (running daemon, fsync off)", "curl into dd (O_DIRECT"}) {
            assertThat(results).contains(tool);
        }
        assertThat(results).contains("## Goals (issue 19").contains("## How firm");
    }

    @Test
    void theBenchmarkAgainstTheSimulatorRunsEndToEndAndWritesItsTable() throws IOException, InterruptedException {
        String results = smoke("run.sh", "SIMULATOR.md", "simulator");
        for (String tool : new String[] {"| curl |", "| rclone |", "harvester (running daemon)", "aria2c -x4",
                "harvester (running daemon, 4 segments)", "harvester, 1000 outputs"}) {
            assertThat(results).contains(tool);
        }
        assertThat(results).contains("## Goals (issues 7 and 14)");
    }

    @Test
    void theInstancesBenchmarkRunsOneTwoAndThreeDaemonsAndWritesItsTable() throws IOException, InterruptedException {
        // The instances benchmark starts a server of its own, from the packages the configured one shows are there.
        PostgresDatabase.serverUrl();
        String results = smoke("instances.sh", "INSTANCES.md");
        for (String row : new String[] {"| 1 |", "| 2 |", "| 3 |"}) {
            assertThat(results).contains(row);
        }
    }

    @Test
    void theWatchingBenchmarkCountsTheCallsOfACrowdOfWaitingJobsAndWritesItsTables()
            throws IOException, InterruptedException {
        PostgresDatabase.serverUrl();
        String results = smoke("watching.sh", "WATCHING.md");
        for (String row : new String[] {"| archetype |", "| tensorpool |", "| 1 |", "| 2 |", "| 3 |"}) {
            assertThat(results).contains(row);
        }
    }

    @Test
    void theLedgerBenchmarkMeasuresRecordsAndTheScheduleAndWritesItsTables() throws IOException, InterruptedException {
        PostgresDatabase.serverUrl();
        String results = smoke("ledger.sh", "LEDGER.md");
        for (String row : new String[] {"| 1 |", "| 2 |", "| 4 |", "hand out 32 due jobs", "take a listing"}) {
            assertThat(results).contains(row);
        }
    }
}

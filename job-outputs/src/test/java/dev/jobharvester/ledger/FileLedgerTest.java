package dev.jobharvester.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobharvester.testing.CapturedLog;
import dev.jobharvester.durability.SmallFileSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileLedgerTest {

    @TempDir
    Path dir;

    private FileLedger open() {
        FileLedger ledger = new FileLedger(dir.resolve("ledger").resolve("route.jsonl"), true);
        ledger.start();
        return ledger;
    }

    private static DeliveredFile file(String path, long size) {
        return new DeliveredFile("tensorpool/j1", path, DeliveredFile.Kind.FILE, size, "ab".repeat(32), path, null,
                Instant.parse("2026-11-23T10:00:00Z"));
    }

    private static List<DeliveredFile> files(FileLedger ledger) {
        List<DeliveredFile> files = new ArrayList<>();
        ledger.forEachFile("tensorpool/j1", DeliveredFile.Kind.FILE, files::add);
        return files;
    }

    @Test
    void whatWasRecordedSurvivesARestart() {
        FileLedger ledger = open();
        ledger.delivered(file("a/b.txt", 10));
        ledger.delivered(file("c.bin", 20));
        ledger.stop();

        FileLedger again = open();
        assertThat(again.isDelivered("tensorpool/j1", "a/b.txt")).isTrue();
        assertThat(again.isDelivered("tensorpool/j1", "c.bin")).isTrue();
        assertThat(again.isDelivered("tensorpool/j1", "d.txt")).isFalse();
        assertThat(files(again)).containsExactly(file("a/b.txt", 10), file("c.bin", 20));
    }

    @Test
    void theTotalsAManifestOpensWithAgreeWithTheRecordsBeforeAndAfterARestart() {
        FileLedger ledger = open();
        assertThat(ledger.fileTotals("tensorpool/j1")).isEqualTo(FileTotals.NONE);
        Instant at = Instant.parse("2026-11-23T10:00:00.123456789Z");
        ledger.delivered(new DeliveredFile("tensorpool/j1", "b.bin", DeliveredFile.Kind.FILE, 7, "ab".repeat(32),
                "b.bin", null, at.plusSeconds(5)));
        ledger.delivered(new DeliveredFile("tensorpool/j1", "a.bin", DeliveredFile.Kind.FILE, 3, "ab".repeat(32),
                "a.bin", null, at));
        ledger.delivered(new DeliveredFile("tensorpool/j1", "b.bin", DeliveredFile.Kind.FILE, 11, "cd".repeat(32),
                "b.bin", null, at.plusSeconds(9)));
        ledger.delivered(new DeliveredFile("tensorpool/j1", "p.bin", DeliveredFile.Kind.PARKED, -1, null, "p.bin",
                "storage answered 500", at.plusSeconds(60)));
        ledger.delivered(new DeliveredFile("tensorpool/j2", "other.bin", DeliveredFile.Kind.FILE, 1000,
                "ef".repeat(32), "other.bin", null, at.minusSeconds(60)));
        FileTotals expected = new FileTotals(2, 14, at, at.plusSeconds(9));

        assertThat(ledger.fileTotals("tensorpool/j1")).isEqualTo(expected)
                .isEqualTo(RecordedTotals.of(ledger, "tensorpool/j1"));
        ledger.stop();
        FileLedger again = open();
        assertThat(again.fileTotals("tensorpool/j1")).isEqualTo(expected)
                .isEqualTo(RecordedTotals.of(again, "tensorpool/j1"));
    }

    /**
     * Forgetting a file named like the manifest below the job's folder (a listed sub/_manifest.json, or the parked
     * manifest's _parked/_manifest.json) forgets that file, not the whole job, also when the journal is read again.
     */
    @Test
    void forgettingAFileNamedLikeTheManifestDeeperDownForgetsThatFileAlone() {
        FileLedger ledger = open();
        ledger.delivered(file("a.txt", 1));
        ledger.delivered(new DeliveredFile("tensorpool/j1", "_parked/_manifest.json", DeliveredFile.Kind.PARKED, -1,
                null, "_manifest.json", "the manifest was refused", Instant.now()));
        assertThat(ledger.forgetFile("tensorpool/j1", "_parked/_manifest.json")).isTrue();
        assertThat(ledger.isDelivered("tensorpool/j1", "_parked/_manifest.json")).isFalse();
        assertThat(ledger.isDelivered("tensorpool/j1", "a.txt")).as("the job's other file").isTrue();
        ledger.stop();
        assertThat(open().isDelivered("tensorpool/j1", "a.txt")).as("the job's other file, read again").isTrue();
    }

    @Test
    void aCompleteJobKeepsOnlyItsCompletionAndStillAnswersForItsFiles() {
        FileLedger ledger = open();
        ledger.delivered(file("a.txt", 1));
        ledger.jobComplete("tensorpool/j1", new Ledger.Completion("FAILED", 2));
        assertThat(ledger.isJobComplete("tensorpool/j1")).isTrue();
        assertThat(ledger.isDelivered("tensorpool/j1", "a.txt")).isTrue();
        assertThat(files(ledger)).isEmpty();
        ledger.stop();
        assertThat(open().completion("tensorpool/j1")).as("the state and run harvested, after a restart")
                .contains(new Ledger.Completion("FAILED", 2));
    }

    /**
     * A ledger written by an earlier version is read by the next: a delivered file's line as it has been written so
     * far is read back whole, and the same record is written as the same bytes.
     */
    @Test
    void aFileLineKeepsTheFormatEarlierVersionsWrote() throws IOException {
        String line = "{\"op\":\"file\",\"job\":\"tensorpool/j1\",\"path\":\"sub/\\\"q\\\"\\n\u00e9.bin\","
                + "\"kind\":\"PARKED\",\"size\":-1,\"sha256\":null,\"source\":\"out/q.bin\",\"note\":\"storage answered"
                + " 500\",\"at\":\"2026-11-23T10:00:00.123456789Z\"}\n";
        DeliveredFile record = new DeliveredFile("tensorpool/j1", "sub/\"q\"\n\u00e9.bin", DeliveredFile.Kind.PARKED,
                -1, null, "out/q.bin", "storage answered 500", Instant.parse("2026-11-23T10:00:00.123456789Z"));
        Path written = dir.resolve("written.jsonl");
        Files.writeString(written, line, StandardCharsets.UTF_8);
        FileLedger earlier = FileLedger.read(written);
        List<DeliveredFile> read = new ArrayList<>();
        earlier.forEachFile("tensorpool/j1", DeliveredFile.Kind.PARKED, read::add);
        assertThat(read).containsExactly(record);

        FileLedger ledger = open();
        ledger.delivered(record);
        ledger.stop();
        assertThat(Files.readString(ledger.file(), StandardCharsets.UTF_8)).isEqualTo(line);
    }

    @Test
    void aLineCutShortByACrashIsDroppedAndTheRestKept() throws IOException {
        FileLedger ledger = open();
        ledger.delivered(file("kept.txt", 1));
        ledger.stop();
        Files.writeString(ledger.file(), "{\"op\":\"file\",\"job\":\"tensorpool/j1\",\"pa", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);

        FileLedger again = open();
        assertThat(again.isDelivered("tensorpool/j1", "kept.txt")).isTrue();
        again.delivered(file("next.txt", 2));
        again.stop();
        assertThat(files(open())).extracting(DeliveredFile::path)
                .containsExactly("kept.txt", "next.txt");
    }

    @Test
    void aDamagedLineInTheMiddleStopsTheStartWithItsLineNumber() throws IOException {
        Path file = dir.resolve("ledger").resolve("route.jsonl");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"op\":\"complete\",\"job\":\"tensorpool/x\",\"at\":\"2026-11-23T10:00:00Z\"}\nnot json\n{\"op\":\"complete\",\"job\":\"tensorpool/y\",\"at\":\"2026-11-23T10:00:00Z\"}\n");
        FileLedger ledger = new FileLedger(file, true);
        assertThatThrownBy(ledger::start).hasStackTraceContaining("damaged at line 2");
    }

    @Test
    void aFileOfAJobNotCompleteIsForgottenAndStaysForgottenAfterARestart() {
        FileLedger ledger = open();
        ledger.delivered(file("x.txt", 1));
        assertThat(ledger.forgetFile("tensorpool/j1", "x.txt")).isTrue();
        assertThat(ledger.forgetFile("tensorpool/j1", "x.txt")).as("already forgotten").isFalse();
        ledger.stop();
        assertThat(open().isDelivered("tensorpool/j1", "x.txt")).isFalse();
    }

    @Test
    void forgettingAJobHarvestsItAgainButNotASingleFileOfACompleteJob() {
        FileLedger ledger = open();
        ledger.delivered(file("a.txt", 1));
        ledger.jobComplete("tensorpool/j1", new Ledger.Completion("completed", 1));
        assertThat(ledger.forgetFile("tensorpool/j1", "a.txt")).as("a single file of a complete job").isFalse();
        assertThat(ledger.forgetJob("tensorpool/j1")).isTrue();
        assertThat(ledger.isJobComplete("tensorpool/j1")).isFalse();
        assertThat(ledger.isDelivered("tensorpool/j1", "a.txt")).isFalse();
    }

    @Test
    void manyFinishedJobsAreCompactedAtStart() throws IOException {
        FileLedger ledger = open();
        for (int job = 0; job < 3_000; job++) {
            for (int f = 0; f < 4; f++) {
                ledger.delivered(DeliveredFile.file("tensorpool/j" + job, "f" + f, 1, "00", "f" + f));
            }
            ledger.jobComplete("tensorpool/j" + job, new Ledger.Completion("completed", 1));
        }
        ledger.delivered(new DeliveredFile("tensorpool/j1", "late.txt", DeliveredFile.Kind.PARKED, -1, null, "late.txt",
                "storage answered 500", Instant.parse("2026-11-23T10:00:00Z")));
        ledger.delivered(file("late.txt", 7));
        ledger.delivered(file("early.txt", 3));
        ledger.stop();
        long before = Files.lines(ledger.file()).count();
        FileLedger again = open();
        assertThat(Files.lines(again.file()).count()).isEqualTo(3_002).isLessThan(before);
        assertThat(again.isJobComplete("tensorpool/j2999")).isTrue();
        assertThat(again.isDelivered("tensorpool/j17", "f3")).isTrue();
        // The records of a job still open are read back from their new places, the latest of each path only.
        assertThat(files(again)).containsExactly(file("early.txt", 3), file("late.txt", 7));
        assertThat(again.countFiles("tensorpool/j1", DeliveredFile.Kind.PARKED)).isZero();
        again.delivered(file("after.txt", 1));
        assertThat(files(again)).extracting(DeliveredFile::path).containsExactly("after.txt", "early.txt", "late.txt");
    }

    @Test
    void anUnreadableTailIsCutOffWithOneWarningAndTheRecordsBeforeItKept() throws IOException {
        FileLedger ledger = open();
        ledger.delivered(file("kept.txt", 1));
        ledger.stop();
        long good = Files.size(ledger.file());
        // What a power cut can leave of unsynced appends: zeros where lines were, then a line cut short.
        Files.write(ledger.file(), new byte[700], StandardOpenOption.APPEND);
        Files.writeString(ledger.file(), "\n\u0000\u0000\n{\"op\":\"file\",\"job\":\"tensor", StandardOpenOption.APPEND);

        try (CapturedLog log = CapturedLog.attach()) {
            FileLedger again = open();
            assertThat(again.isDelivered("tensorpool/j1", "kept.txt")).isTrue();
            assertThat(log.lines()).filteredOn(line -> line.contains("unfinished")).singleElement().asString()
                    .contains(ledger.file().toString()).contains("from line 2").contains("cut off");
            assertThat(Files.size(ledger.file())).isEqualTo(good);
            again.delivered(file("next.txt", 2));
            again.stop();
        }
        assertThat(files(open())).extracting(DeliveredFile::path).containsExactly("kept.txt", "next.txt");
    }

    @Test
    void aSecondWriterIsRefusedWithTheNameOfTheFirst() {
        FileLedger first = open();
        FileLedger second = new FileLedger(first.file(), true);
        assertThatThrownBy(second::start).hasStackTraceContaining("is in use by process "
                + java.lang.management.ManagementFactory.getRuntimeMXBean().getName());
        first.stop();
        FileLedger afterwards = new FileLedger(first.file(), true);
        afterwards.start();
        afterwards.stop();
    }

    @Test
    void onAFullDiskARecordIsWrittenWholeOrNotAtAllAndWritingGoesOnOnceThereIsRoom() throws Exception {
        try (SmallFileSystem disk = SmallFileSystem.mount(dir.resolve("small"), "64k")) {
            FileLedger ledger = new FileLedger(disk.root().resolve("ledger").resolve("route.jsonl"), true);
            ledger.start();
            List<String> recorded = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ledger.delivered(file("before-" + i, i));
                recorded.add("before-" + i);
            }
            // The ledger's last block has room left: records go on into it until one no longer fits.
            Path filler = disk.fill();
            assertThatThrownBy(() -> {
                for (int i = 0; i < 100_000; i++) {
                    ledger.delivered(file("f" + i, i));
                    recorded.add("f" + i);
                }
            }).isInstanceOf(LedgerFailureException.class).hasMessageContaining(ledger.file().toString())
                    .hasMessageContaining("No space left");
            assertThat(ledger.writeFailure()).contains("No space left");
            assertThat(ledger.retryWrites()).isFalse();
            assertThatThrownBy(() -> ledger.delivered(file("refused", 1))).isInstanceOf(LedgerFailureException.class);
            assertWholeLines(ledger.file(), recorded.size());

            Files.delete(filler);
            assertThat(ledger.retryWrites()).isTrue();
            assertThat(ledger.writeFailure()).isNull();
            ledger.delivered(file("after", 1));
            ledger.sync();
            ledger.stop();
            recorded.add("after");
            assertWholeLines(ledger.file(), recorded.size());
            FileLedger again = new FileLedger(ledger.file(), true);
            again.start();
            assertThat(files(again)).extracting(DeliveredFile::path).containsExactlyInAnyOrderElementsOf(recorded);
            again.stop();
        }
    }

    private static void assertWholeLines(Path file, int count) throws IOException {
        String text = Files.readString(file);
        assertThat(text).endsWith("\n");
        try (Stream<String> lines = text.lines()) {
            assertThat(lines.filter(line -> line.startsWith("{\"op\":\"file\"") && line.endsWith("}")).count())
                    .as("whole records").isEqualTo(count);
        }
        assertThat(text.lines().count()).isEqualTo(count);
    }
}

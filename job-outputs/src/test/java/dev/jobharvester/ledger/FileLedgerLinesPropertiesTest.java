package dev.jobharvester.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Whatever a record holds (names with quotes, backslashes, line breaks and non-ASCII letters, no hash, no note or a
 * long one, any kind, size and time), the ledger answers it back as it was written, the latest per file, and its totals
 * agree with its records, before and after a restart: the lines it writes field by field are the lines its replay
 * reads.
 */
class FileLedgerLinesPropertiesTest {

    private static final List<String> JOBS = List.of("tensorpool/j1", "pixxel/ORD-2");

    @Property(tries = 100)
    void everyRecordReadsBackAsWrittenBeforeAndAfterARestart(@ForAll("records") List<DeliveredFile> records)
            throws IOException {
        Path dir = Files.createTempDirectory("ledger-lines");
        try {
            Path file = dir.resolve("route.jsonl");
            FileLedger ledger = new FileLedger(file, false);
            ledger.start();
            records.forEach(ledger::delivered);
            Map<String, Map<DeliveredFile.Kind, List<DeliveredFile>>> expected = latestByJobAndKind(records);
            assertThat(readBack(ledger)).isEqualTo(expected);
            assertTotalsAgreeWithRecords(ledger);
            ledger.stop();

            FileLedger again = new FileLedger(file, false);
            again.start();
            assertThat(readBack(again)).isEqualTo(expected);
            assertTotalsAgreeWithRecords(again);
            again.stop();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    @Provide
    Arbitrary<List<DeliveredFile>> records() {
        Arbitrary<String> names = Arbitraries.strings().alpha().numeric().withChars("/._ \"\\\n\t\u00e9\u4e2d\u2028")
                .ofMinLength(1).ofMaxLength(12);
        Arbitrary<String> hashes = Arbitraries.strings().withChars("0123456789abcdef").ofLength(64).injectNull(0.2);
        // A note may take its line past the first read of a line back (512 bytes).
        Arbitrary<String> notes = Arbitraries.frequencyOf(Tuple.of(4, names), Tuple.of(1, names.list().ofMinSize(40)
                .ofMaxSize(80).map(parts -> String.join("", parts)))).injectNull(0.5);
        Arbitrary<Instant> times = Combinators.combine(Arbitraries.longs().between(0, 4_102_444_800L),
                Arbitraries.integers().between(0, 999_999_999)).as(Instant::ofEpochSecond);
        Arbitrary<String> paths = names.list().ofMaxSize(6).uniqueElements().flatMap(pool -> pool.isEmpty()
                ? names : Arbitraries.oneOf(Arbitraries.of(pool), names));
        Arbitrary<DeliveredFile> record = Combinators.combine(Arbitraries.of(JOBS), paths,
                Arbitraries.of(DeliveredFile.Kind.class), Arbitraries.longs().between(-1, 1L << 50), hashes,
                names, notes, times).as(DeliveredFile::new);
        return record.list().ofMaxSize(30);
    }

    /** The totals a manifest opens with come from the index; the records they sum are read from the lines. */
    private static void assertTotalsAgreeWithRecords(FileLedger ledger) {
        for (String job : JOBS) {
            assertThat(ledger.fileTotals(job)).isEqualTo(RecordedTotals.of(ledger, job));
        }
    }

    /** What forEachFile answers: each file's latest record, by kind, in the order of the files' paths. */
    private static Map<String, Map<DeliveredFile.Kind, List<DeliveredFile>>> latestByJobAndKind(
            List<DeliveredFile> records) {
        Map<String, Map<DeliveredFile.Kind, List<DeliveredFile>>> expected = new LinkedHashMap<>();
        for (String job : JOBS) {
            Map<String, DeliveredFile> latest = new LinkedHashMap<>();
            records.stream().filter(r -> r.jobKey().equals(job)).forEach(r -> latest.put(r.path(), r));
            Map<DeliveredFile.Kind, List<DeliveredFile>> byKind = new EnumMap<>(DeliveredFile.Kind.class);
            for (DeliveredFile.Kind kind : DeliveredFile.Kind.values()) {
                byKind.put(kind, latest.values().stream().filter(r -> r.kind() == kind)
                        .sorted(Comparator.comparing(DeliveredFile::path)).toList());
            }
            expected.put(job, byKind);
        }
        return expected;
    }

    private static Map<String, Map<DeliveredFile.Kind, List<DeliveredFile>>> readBack(FileLedger ledger) {
        Map<String, Map<DeliveredFile.Kind, List<DeliveredFile>>> read = new LinkedHashMap<>();
        for (String job : JOBS) {
            Map<DeliveredFile.Kind, List<DeliveredFile>> byKind = new EnumMap<>(DeliveredFile.Kind.class);
            for (DeliveredFile.Kind kind : DeliveredFile.Kind.values()) {
                List<DeliveredFile> files = new ArrayList<>();
                ledger.forEachFile(job, kind, files::add);
                byKind.put(kind, files);
            }
            read.put(job, byKind);
        }
        return read;
    }
}

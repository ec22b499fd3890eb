package dev.jobharvester.app;

import dev.jobharvester.download.Progress;
import dev.jobharvester.ledger.DeliveredFile;
import dev.jobharvester.ledger.FileLedger;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@code ledger}: what the ledgers under the data directory hold, read without changing them (a running daemon may
 * be writing): complete jobs, and for the others each file delivered, refused, skipped or parked with its error.
 */
final class LedgerReport {

    private LedgerReport() {
    }

    static int run(Path config, CommandLine line, PrintStream out, PrintStream err) throws IOException {
        Path dataDir = Path.of(line.option("data-dir", Harvester.setting(config, "harvester.data-dir")));
        String route = line.option("route", null);
        Path ledgers = dataDir.resolve("ledger");
        if (!Files.isDirectory(ledgers)) {
            err.println("job-harvester ledger: no ledger under " + dataDir.toAbsolutePath()
                    + " (nothing harvested yet, or --data-dir points elsewhere)");
            return ExitCodes.FAILED;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(ledgers, route == null ? "*.jsonl" : route + ".jsonl")) {
            for (Path file : files) {
                report(FileLedger.read(file), out);
            }
        } catch (IOException | RuntimeException e) {
            err.println("job-harvester ledger: " + Harvester.describe(e));
            return ExitCodes.FAILED;
        }
        return ExitCodes.OK;
    }

    private static void report(FileLedger ledger, PrintStream out) {
        String name = ledger.file().getFileName().toString();
        out.println(name.substring(0, name.length() - ".jsonl".length()) + "  (" + ledger.file() + ")");
        for (String jobKey : ledger.jobKeys().stream().sorted().toList()) {
            if (ledger.isJobComplete(jobKey)) {
                out.println("  " + jobKey + "  complete; its files are listed in " + jobKey + "/_manifest.json in the"
                        + " sink");
                continue;
            }
            int done = Arrays.stream(DeliveredFile.Kind.values()).mapToInt(kind -> ledger.countFiles(jobKey, kind)).sum();
            int parked = ledger.countFiles(jobKey, DeliveredFile.Kind.PARKED);
            out.println("  " + jobKey + "  in progress: " + done + " files done with" + (parked == 0 ? ""
                    : ", " + parked + " parked (JMX retryParkedFiles)"));
            for (DeliveredFile.Kind kind : DeliveredFile.Kind.values()) {
                ledger.forEachFile(jobKey, kind, file -> out.println("    "
                        + String.format("%-9s", kind.name().toLowerCase(Locale.ROOT)) + " " + file.path()
                        + (file.size() >= 0 ? "  " + Progress.bytes(file.size()) : "")
                        + (file.sha256() == null ? "" : "  sha256 " + file.sha256())
                        + (file.note() == null ? "" : "  " + file.note())));
            }
        }
    }
}

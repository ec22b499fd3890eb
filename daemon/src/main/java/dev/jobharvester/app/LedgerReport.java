package dev.jobharvester.app;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobharvester.download.Progress;
import dev.jobharvester.ledger.DeliveredFile;
import dev.jobharvester.ledger.FileLedger;
import dev.jobharvester.ledger.JdbcLedger;
import dev.jobharvester.ledger.JdbcUrls;
import dev.jobharvester.ledger.Ledger;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * {@code ledger}: what the ledgers hold, read without changing them (a running daemon may be writing): the file
 * ledgers under the data directory, or the shared ledger in PostgreSQL when one is set; complete jobs, and for the
 * others each file delivered, refused, skipped or parked with its error.
 */
final class LedgerReport {

    private static final String SHARED = "camel.component.job-outputs.ledger-url";
    private static final long CONNECTION_TIMEOUT_MILLIS = 5_000;

    private LedgerReport() {
    }

    static int run(Path config, CommandLine line, PrintStream out, PrintStream err) throws IOException {
        String route = line.option("route", null);
        try {
            UnaryOperator<String> setting = Harvester.settings(config);
            String shared = setting.apply(SHARED);
            return shared.isBlank() ? fileLedgers(setting, line, route, out, err)
                    : sharedLedger(setting, shared, route, out);
        } catch (IOException | SQLException | RuntimeException e) {
            err.println("job-harvester ledger: " + Harvester.describe(e));
            return ExitCodes.FAILED;
        }
    }

    private static int fileLedgers(UnaryOperator<String> setting, CommandLine line, String route, PrintStream out,
            PrintStream err) throws IOException {
        Path dataDir = Path.of(line.option("data-dir", setting.apply("harvester.data-dir")));
        Path ledgers = dataDir.resolve("ledger");
        if (!Files.isDirectory(ledgers)) {
            err.println("job-harvester ledger: no ledger under " + dataDir.toAbsolutePath()
                    + " (nothing harvested yet, or --data-dir points elsewhere)");
            return ExitCodes.FAILED;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(ledgers, route == null ? "*.jsonl" : route + ".jsonl")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                report(FileLedger.read(file), name.substring(0, name.length() - ".jsonl".length()) + "  (" + file + ")",
                        out);
            }
        }
        return ExitCodes.OK;
    }

    /** Reads over one connection, kept for every statement of the report (a job costs several). */
    private static int sharedLedger(UnaryOperator<String> setting, String url, String route, PrintStream out)
            throws SQLException {
        HikariConfig pool = new HikariConfig();
        pool.setPoolName("job-harvester-ledger-report");
        pool.setJdbcUrl(url);
        pool.setMaximumPoolSize(1);
        pool.setConnectionTimeout(CONNECTION_TIMEOUT_MILLIS);
        String user = setting.apply("camel.component.job-outputs.ledger-user");
        String password = setting.apply("camel.component.job-outputs.ledger-password");
        if (!user.isBlank()) {
            pool.setUsername(user);
        }
        if (!password.isBlank()) {
            pool.setPassword(password);
        }
        String where = JdbcUrls.redacted(url);
        try (HikariDataSource database = new HikariDataSource(pool)) {
            for (String pipeline : JdbcLedger.pipelines(database)) {
                if (route == null || route.equals(pipeline)) {
                    report(new JdbcLedger(database, where, pipeline, "ledger-report", Duration.ZERO),
                            pipeline + "  (postgresql " + where + ", shared)", out);
                }
            }
        }
        return ExitCodes.OK;
    }

    private static void report(Ledger ledger, String title, PrintStream out) {
        out.println(title);
        for (String jobKey : ledger.jobKeys()) {
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

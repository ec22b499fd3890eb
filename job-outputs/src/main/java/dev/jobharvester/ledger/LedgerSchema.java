package dev.jobharvester.ledger;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The shared ledger's tables, created or brought up to date at their first use. Several instances may come at once:
 * an advisory lock lets one migrate while the others wait. Written by hand: a few tables' worth of steps do not justify
 * Flyway and the Jackson and TOML stack it brings.
 */
final class LedgerSchema {

    /** Lock id for migrations: any number no other application on the database uses ("jobhrvst" in ASCII). */
    private static final long MIGRATION_LOCK = 0x6a6f626872767374L;

    /** Each entry brings the schema from its index to the next version; append only, never edit a released one. */
    private static final List<List<String>> STEPS = List.of(List.of(
        """
        CREATE TABLE harvest_files (
            pipeline text NOT NULL, job_key text NOT NULL, path text NOT NULL, kind text NOT NULL,
            size bigint NOT NULL, sha256 text, source text NOT NULL, note text, delivered_at timestamptz NOT NULL,
            owner text NOT NULL,
            PRIMARY KEY (pipeline, job_key, path))""",
        """
        CREATE TABLE harvest_jobs (
            pipeline text NOT NULL, job_key text NOT NULL, completed_at timestamptz NOT NULL, owner text NOT NULL,
            PRIMARY KEY (pipeline, job_key))""",
        """
        CREATE TABLE harvest_leases (
            pipeline text NOT NULL, job_key text NOT NULL, owner text NOT NULL, fence bigint NOT NULL,
            expires_at timestamptz NOT NULL,
            PRIMARY KEY (pipeline, job_key))"""),
        // A harvest's state and run: a job its platform takes back after a harvest is harvested again.
        List.of("ALTER TABLE harvest_jobs ADD COLUMN state text, ADD COLUMN run int NOT NULL DEFAULT 1"),
        // When each watched job is asked next, shared: instances take turns instead of each asking every job.
        List.of("""
            CREATE TABLE harvest_schedule (
                pipeline text NOT NULL, provider text NOT NULL, task text NOT NULL, job_id text,
                due_at timestamptz NOT NULL, interval_ms bigint NOT NULL, state text, owner text,
                PRIMARY KEY (pipeline, provider, task))""",
            "CREATE INDEX harvest_schedule_due ON harvest_schedule (pipeline, provider, due_at)"));

    private LedgerSchema() {
    }

    /** Brings the schema up to date; runs in a transaction of the caller's. */
    static Void migrate(Connection connection) throws SQLException {
        try (Statement sql = connection.createStatement()) {
            sql.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
            sql.execute("CREATE TABLE IF NOT EXISTS harvest_schema (version int NOT NULL)");
            int version;
            try (ResultSet row = sql.executeQuery("SELECT max(version) FROM harvest_schema")) {
                row.next();
                version = row.getInt(1);
            }
            if (version > STEPS.size()) {
                throw new SQLException("the ledger's schema is at version " + version + ", newer than this harvester"
                        + " knows (" + STEPS.size() + "): run the newer harvester, or a separate database");
            }
            for (int step = version; step < STEPS.size(); step++) {
                for (String statement : STEPS.get(step)) {
                    sql.execute(statement);
                }
                sql.execute("INSERT INTO harvest_schema (version) VALUES (" + (step + 1) + ")");
            }
        }
        return null;
    }
}

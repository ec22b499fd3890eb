package dev.jobharvester.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A job schedule shared through the ledger's database: a due job is handed to the first instance that asks, locked
 * with {@code SKIP LOCKED} so that two instances asking at once are handed different jobs; the row keeps the job's
 * interval and last state, so whichever instance asks next backs off where the last one left off.
 */
final class JdbcJobSchedule implements JobSchedule {

    private static final String TABLE = "harvest_schedule";
    /** Jobs added by this instance after which it analyzes the table (see {@link #analyze}). */
    private static final int ANALYZE_AFTER = 1_000;

    private final LedgerDatabase database;
    private final String provider;
    private final String owner;
    private final Intervals intervals;
    private final AtomicInteger addedSinceAnalyzed = new AtomicInteger();
    /** The interval after an answer: doubled when it repeats the state (or is none), else started over. */
    private final String nextInterval;

    JdbcJobSchedule(LedgerDatabase database, String provider, String owner, Intervals intervals) {
        this.database = database;
        this.provider = provider;
        this.owner = owner;
        this.intervals = intervals;
        this.nextInterval = "CASE WHEN ?::text IS NULL OR state = ? THEN LEAST(GREATEST(interval_ms * 2, %d), %d)"
                .formatted(intervals.base().toMillis(), intervals.max().toMillis())
                + " ELSE " + intervals.base().toMillis() + " END";
    }

    private static String millis(Duration duration) {
        return "(" + duration.toMillis() + " * interval '1 millisecond')";
    }

    /**
     * Runs one write of the schedule without waiting for its commit to reach the disk: one lost in a crash of the
     * database only has a job asked again sooner, and a status check need not pay a disk flush.
     */
    private <T> T write(String what, LedgerDatabase.Work<T> work) {
        return database.transaction(what, connection -> {
            try (Statement relaxed = connection.createStatement()) {
                relaxed.execute("SET LOCAL synchronous_commit TO OFF");
            }
            return work.run(connection);
        });
    }

    private int execute(String what, String sql, Object... values) {
        return write(what, connection -> {
            try (PreparedStatement statement = database.bound(connection, sql, values)) {
                return statement.executeUpdate();
            }
        });
    }

    @Override
    public void watch(String jobKey, String jobId) {
        int added = execute("watch " + jobKey, "INSERT INTO " + TABLE + " (pipeline, provider, task, job_id, due_at,"
                + " interval_ms) VALUES (?, ?, ?, ?, now(), ?) ON CONFLICT DO NOTHING", database.pipeline(), provider,
                jobKey, jobId, intervals.base().toMillis());
        if (added > 0 && addedSinceAnalyzed.incrementAndGet() >= ANALYZE_AFTER) {
            analyze();
        }
    }

    /**
     * Brings the table's statistics up to date after many jobs were added: planned on the statistics of a table a
     * fraction of its size, a listing's join of 10,000 states takes minutes instead of milliseconds, and autovacuum
     * would analyze it only within a minute or more.
     */
    private void analyze() {
        addedSinceAnalyzed.set(0);
        database.single("analyze the schedule", connection -> {
            try (Statement analyze = connection.createStatement()) {
                return analyze.execute("ANALYZE " + TABLE);
            }
        });
    }

    @Override
    public List<Due> due(int max) {
        return write("hand out the jobs due", connection -> {
            try (PreparedStatement statement = database.bound(connection, """
                    WITH due AS (SELECT task FROM harvest_schedule WHERE pipeline = ? AND provider = ?
                        AND job_id IS NOT NULL AND due_at <= now() ORDER BY due_at LIMIT ? FOR UPDATE SKIP LOCKED)
                    UPDATE harvest_schedule s SET due_at = now() + %s, owner = ? FROM due
                    WHERE s.pipeline = ? AND s.provider = ? AND s.task = due.task
                    RETURNING s.task, s.job_id""".formatted(millis(intervals.claim())), database.pipeline(),
                    provider, max, owner, database.pipeline(), provider);
                    ResultSet rows = statement.executeQuery()) {
                List<Due> due = new ArrayList<>();
                while (rows.next()) {
                    due.add(new Due(rows.getString(1), rows.getString(2)));
                }
                return due;
            }
        });
    }

    @Override
    public void checked(String jobKey, String state) {
        execute("schedule " + jobKey, "UPDATE " + TABLE + " SET interval_ms = " + nextInterval + ", due_at = now() + ("
                + nextInterval + ") * (1 + random() / 4) * interval '1 millisecond', state = COALESCE(?, state), owner = NULL"
                + " WHERE pipeline = ? AND provider = ? AND task = ?", state, state, state, state, state,
                database.pipeline(), provider, jobKey);
    }

    @Override
    public void again(String jobKey, Duration delay) {
        execute("schedule " + jobKey, "UPDATE " + TABLE + " SET due_at = now() + " + millis(delay) + ", owner = NULL"
                + " WHERE pipeline = ? AND provider = ? AND task = ?", database.pipeline(), provider, jobKey);
    }

    @Override
    public void unwatch(String jobKey) {
        execute("unwatch " + jobKey, "DELETE FROM " + TABLE + " WHERE pipeline = ? AND provider = ? AND task = ?",
                database.pipeline(), provider, jobKey);
    }

    @Override
    public void listed(Map<String, Listed> byJobKey) {
        if (byJobKey.isEmpty()) {
            return;
        }
        write("take a listing of states", connection -> {
            String changed = "s.state <> l.state";
            try (PreparedStatement statement = database.bound(connection, """
                    UPDATE harvest_schedule s SET due_at = CASE WHEN %1$s THEN now()
                            ELSE greatest(s.due_at, now() + %2$s) END,
                        interval_ms = CASE WHEN %1$s THEN %3$d ELSE s.interval_ms END,
                        state = CASE WHEN %1$s THEN s.state ELSE l.state END
                    FROM unnest(?::text[], ?::text[], ?::boolean[]) AS l(task, state, waiting)
                    WHERE s.pipeline = ? AND s.provider = ? AND s.task = l.task AND s.job_id IS NOT NULL
                        AND (%1$s OR l.waiting)""".formatted(changed, millis(intervals.max()),
                    intervals.base().toMillis()),
                    array(connection, "text", byJobKey.keySet().toArray()),
                    array(connection, "text", byJobKey.values().stream().map(Listed::state).toArray()),
                    array(connection, "boolean", byJobKey.values().stream().map(Listed::waiting).toArray()),
                    database.pipeline(), provider)) {
                return statement.executeUpdate();
            }
        });
    }

    private static java.sql.Array array(Connection connection, String type, Object[] values) throws SQLException {
        return connection.createArrayOf(type, values);
    }

    @Override
    public boolean turn(String task, Duration every) {
        return execute("take its turn at " + task, "INSERT INTO " + TABLE + " (pipeline, provider, task, due_at,"
                + " interval_ms, owner) VALUES (?, ?, ?, now() + " + millis(every) + ", ?, ?)"
                + " ON CONFLICT (pipeline, provider, task) DO UPDATE SET due_at = EXCLUDED.due_at, owner = EXCLUDED.owner"
                + " WHERE " + TABLE + ".due_at <= now()", database.pipeline(), provider, ":" + task, every.toMillis(),
                owner) == 1;
    }

    @Override
    public int watched() {
        return database.single("count the jobs watched", connection -> {
            try (PreparedStatement statement = database.bound(connection, "SELECT count(*) FROM " + TABLE
                    + " WHERE pipeline = ? AND provider = ? AND job_id IS NOT NULL", database.pipeline(), provider);
                    ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getInt(1);
            }
        });
    }
}

package dev.jobharvester.ledger;

import dev.jobharvester.ledger.DeliveredFile.Kind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared ledger, in PostgreSQL: any number of instances harvest the same pipelines through it. An instance claims
 * a job with a lease before it works on it, renews it while it works, and hands it back when done; a lease not
 * renewed (the instance died or froze) expires, and another instance takes the job over. Every record is written in
 * a transaction that first locks the job's lease row and checks that this instance still holds it under the same
 * fence number: an instance that wakes up past its lease cannot record anything, even if its clock is wrong, since
 * only the database's clock decides.
 * <p>
 * Over 300 lines because every Ledger call is one fenced SQL statement or transaction, kept beside the others.
 */
public class JdbcLedger extends ServiceSupport implements Ledger {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcLedger.class);
    private static final int FETCH_SIZE = 500;

    private final LedgerDatabase database;
    private final String where;
    private final String pipeline;
    private final String owner;
    private final Duration leaseTime;
    /** The lease time in SQL: a number from the configuration, not text from outside. */
    private final String leaseInterval;
    /** The leases this instance holds, by job key. */
    private final Map<String, JdbcLease> leases = new ConcurrentHashMap<>();
    /** Where records are kept while the database cannot be reached, or null: then such a record fails. */
    private final Path pendingFile;
    /** The records written while the database could not be reached, until they are in it. */
    private FileLedger pending;
    /** Held while a record is kept, and while a job's kept records are written and forgotten. */
    private final Object pendingLock = new Object();
    private volatile boolean keepingPending;

    /**
     * @param where     the database, for messages (no credentials)
     * @param pipeline  the ledger's name: pipelines with the same name share their records
     * @param owner     this instance's name, unique among the instances sharing the database
     * @param leaseTime how long a claim holds without renewal
     */
    public JdbcLedger(DataSource dataSource, String where, String pipeline, String owner, Duration leaseTime) {
        this(dataSource, where, pipeline, owner, leaseTime, null);
    }

    /**
     * @param pendingFile where records are kept, synced, while the database cannot be reached: a file that went to the
     *                    sink then is not delivered again once it answers
     */
    public JdbcLedger(DataSource dataSource, String where, String pipeline, String owner, Duration leaseTime,
            Path pendingFile) {
        this.pendingFile = pendingFile;
        this.database = new LedgerDatabase(dataSource, where, pipeline);
        this.where = where;
        this.pipeline = pipeline;
        this.owner = owner;
        this.leaseTime = leaseTime;
        this.leaseInterval = "make_interval(secs => " + leaseTime.toMillis() / 1000.0 + ")";
    }

    @Override
    public String toString() {
        return "postgresql " + where + " (pipeline " + pipeline + ", shared; this instance is " + owner + ")";
    }

    /** Locks the job's lease row and checks this instance still holds it; the lock lasts to the commit. */
    private void fence(Connection connection, String jobKey) throws SQLException {
        JdbcLease lease = leases.get(jobKey);
        if (lease == null) {
            throw new LeaseLostException(jobKey + ": not recorded: this instance holds no lease on the job");
        }
        if (!database.exists(connection, "SELECT 1 FROM harvest_leases WHERE pipeline = ? AND job_key = ? AND owner = ?"
                + " AND fence = ? AND expires_at > now() FOR UPDATE", jobKey, owner, lease.fence)) {
            lease.lost = true;
            throw new LeaseLostException(jobKey + ": not recorded: this instance lost its lease on the job (it was"
                    + " cut off or paused past it); another instance harvests it now");
        }
    }

    @Override
    protected void doStart() {
        if (pendingFile != null) {
            pending = new FileLedger(pendingFile, true);
            pending.start();
        }
    }

    @Override
    protected void doStop() {
        if (pending != null) {
            pending.stop();
        }
    }

    /**
     * A record that could not be written because the database is out of reach is kept in the local journal, synced,
     * and written once it answers; any other failure is thrown. Told by the failure itself, not by the database's
     * state now: another statement may have reached it meanwhile (a restart ends pooled connections that are then
     * found broken one by one), and the file is in the sink already.
     */
    private void orKeep(LedgerFailureException failure, Consumer<FileLedger> write) {
        if (pending == null || !failure.unreachable()) {
            throw failure;
        }
        synchronized (pendingLock) {
            write.accept(pending);
            pending.sync();
        }
        if (!keepingPending) {
            keepingPending = true;
            LOG.warn("{}; records are kept in {} until it answers, then written to it", failure.getMessage(),
                    pendingFile);
        }
    }

    /**
     * Writes the records kept while the database was out of reach, each job's under its lease: the one this instance
     * still holds (kept from being handed back until then), or a claim of its own. A job another instance took over
     * meanwhile is left to it, and its kept records are dropped once it is complete.
     */
    private void writePending() {
        for (String jobKey : pending.jobKeys()) {
            JdbcLease held = leases.get(jobKey);
            Lease lease = held != null && held.held() ? held : claim(jobKey).orElse(null);
            // A lane may be keeping a record of the same job now: it waits, or it would be forgotten unwritten.
            synchronized (pendingLock) {
                try {
                    if (isJobComplete(jobKey)) {
                        pending.forgetJob(jobKey);
                    } else if (lease != null) {
                        Optional<Completion> done = pending.completion(jobKey);
                        if (done.isPresent()) {
                            complete(jobKey, done.get());
                        } else {
                            for (Kind kind : Kind.values()) {
                                pending.forEachFile(jobKey, kind, this::insert);
                            }
                        }
                        pending.forgetJob(jobKey);
                        LOG.info("{}: the records kept while the ledger could not be reached are written to it",
                                jobKey);
                    }
                } catch (LeaseLostException e) {
                    LOG.warn("{} (another instance took the job over; the records kept of it are dropped once it is"
                            + " complete)", e.getMessage());
                } finally {
                    if (lease != null && (lease != held || held.handBackWhenWritten)) {
                        lease.release();
                    }
                }
            }
        }
        pending.sync();
        keepingPending = false;
    }

    @Override
    public void delivered(DeliveredFile file) {
        try {
            insert(file);
        } catch (LedgerFailureException e) {
            orKeep(e, kept -> kept.delivered(file));
        }
    }

    private void insert(DeliveredFile file) {
        database.transaction("record " + file.key(), connection -> {
            fence(connection, file.jobKey());
            return database.update(connection, """
                    INSERT INTO harvest_files (pipeline, job_key, path, kind, size, sha256, source, note, delivered_at,
                        owner)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (pipeline, job_key, path) DO UPDATE SET kind = EXCLUDED.kind, size = EXCLUDED.size,
                        sha256 = EXCLUDED.sha256, source = EXCLUDED.source, note = EXCLUDED.note,
                        delivered_at = EXCLUDED.delivered_at, owner = EXCLUDED.owner""",
                    file.jobKey(), file.path(), file.kind().name(), file.size(), file.sha256(), file.sourcePath(),
                    file.note(), Timestamp.from(file.deliveredAt()), owner);
        });
    }

    @Override
    public void forEachFile(String jobKey, Kind kind, Consumer<DeliveredFile> action) {
        database.transaction("read the records of " + jobKey, connection -> {
            try (PreparedStatement statement = database.statement(connection, "SELECT path, size, sha256, source, note,"
                    + " delivered_at FROM harvest_files WHERE pipeline = ? AND job_key = ? AND kind = ? ORDER BY path",
                    jobKey, kind.name())) {
                // Read in batches through a cursor (it needs the transaction), not all rows at once.
                statement.setFetchSize(FETCH_SIZE);
                try (ResultSet row = statement.executeQuery()) {
                    while (row.next()) {
                        action.accept(new DeliveredFile(jobKey, row.getString(1), kind, row.getLong(2),
                                row.getString(3), row.getString(4), row.getString(5),
                                row.getTimestamp(6).toInstant()));
                    }
                }
            }
            return null;
        });
    }

    @Override
    public int countFiles(String jobKey, Kind kind) {
        return database.single("count the records of " + jobKey, connection -> {
            try (PreparedStatement statement = database.statement(connection, "SELECT count(*) FROM harvest_files WHERE"
                    + " pipeline = ? AND job_key = ? AND kind = ?", jobKey, kind.name());
                    ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getInt(1);
            }
        });
    }

    @Override
    public FileTotals fileTotals(String jobKey) {
        return database.single("sum up the files of " + jobKey, connection -> {
            try (PreparedStatement statement = database.statement(connection, "SELECT count(*), coalesce(sum(size), 0),"
                    + " min(delivered_at), max(delivered_at) FROM harvest_files WHERE pipeline = ? AND job_key = ?"
                    + " AND kind = ?", jobKey, Kind.FILE.name());
                    ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getLong(1) == 0 ? FileTotals.NONE : new FileTotals(row.getLong(1), row.getLong(2),
                        row.getTimestamp(3).toInstant(), row.getTimestamp(4).toInstant());
            }
        });
    }

    @Override
    public boolean isDelivered(String jobKey, String path) {
        return database.single("look up " + jobKey + "/" + path, connection -> database.exists(connection, """
                SELECT 1 FROM harvest_files WHERE pipeline = ? AND job_key = ? AND path = ?
                UNION ALL SELECT 1 FROM harvest_jobs WHERE pipeline = ? AND job_key = ?""",
                jobKey, path, pipeline, jobKey));
    }

    @Override
    public Map<String, Kind> recorded(String jobKey, Collection<String> paths) {
        return database.single("look up the records of " + jobKey, connection -> {
            Map<String, Kind> kinds = new HashMap<>();
            try (PreparedStatement statement = database.statement(connection, "SELECT path, kind FROM harvest_files WHERE"
                    + " pipeline = ? AND job_key = ? AND path = ANY (?)", jobKey,
                    connection.createArrayOf("text", paths.toArray()));
                    ResultSet row = statement.executeQuery()) {
                while (row.next()) {
                    kinds.put(row.getString(1), Kind.valueOf(row.getString(2)));
                }
            }
            return kinds;
        });
    }

    @Override
    public boolean forgetFile(String jobKey, String path) {
        return database.single("forget " + jobKey + "/" + path, connection -> database.update(connection,
                "DELETE FROM harvest_files WHERE pipeline = ? AND job_key = ? AND path = ?", jobKey, path) > 0);
    }

    @Override
    public void jobComplete(String jobKey, Completion completion) {
        try {
            complete(jobKey, completion);
        } catch (LedgerFailureException e) {
            orKeep(e, kept -> kept.jobComplete(jobKey, completion));
        }
    }

    private void complete(String jobKey, Completion completion) {
        database.transaction("record " + jobKey + " as complete", connection -> {
            fence(connection, jobKey);
            database.update(connection, "INSERT INTO harvest_jobs (pipeline, job_key, completed_at, owner, state, run)"
                    + " VALUES (?, ?, now(), ?, ?, ?) ON CONFLICT DO NOTHING", jobKey, owner, completion.state(),
                    completion.run());
            // The manifest in the sink lists the files now: their records are no longer needed.
            return database.update(connection, "DELETE FROM harvest_files WHERE pipeline = ? AND job_key = ?", jobKey);
        });
    }

    @Override
    public boolean forgetJob(String jobKey) {
        return database.transaction("forget " + jobKey, connection -> database.update(connection,
                "DELETE FROM harvest_jobs WHERE pipeline = ? AND job_key = ?", jobKey)
                + database.update(connection, "DELETE FROM harvest_files WHERE pipeline = ? AND job_key = ?", jobKey) > 0);
    }

    @Override
    public Optional<Completion> completion(String jobKey) {
        return database.single("look up " + jobKey, connection -> {
            try (PreparedStatement statement = database.statement(connection,
                    "SELECT state, run FROM harvest_jobs WHERE pipeline = ? AND job_key = ?", jobKey);
                    ResultSet row = statement.executeQuery()) {
                return row.next() ? Optional.of(new Completion(row.getString(1), row.getInt(2))) : Optional.empty();
            }
        });
    }

    @Override
    public List<String> jobKeys() {
        return database.single("list its jobs", connection -> {
            try (PreparedStatement statement = database.statement(connection, "SELECT job_key FROM harvest_jobs WHERE"
                    + " pipeline = ? UNION SELECT job_key FROM harvest_files WHERE pipeline = ? ORDER BY 1", pipeline);
                    ResultSet rows = statement.executeQuery()) {
                List<String> keys = new ArrayList<>();
                while (rows.next()) {
                    keys.add(rows.getString(1));
                }
                return keys;
            }
        });
    }

    /**
     * The pipelines that have records in the database, in order; none when the harvester's tables are not there (they
     * are not made by asking).
     */
    public static List<String> pipelines(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement sql = connection.createStatement()) {
            try (ResultSet table = sql.executeQuery("SELECT to_regclass('harvest_jobs') IS NOT NULL")) {
                if (!table.next() || !table.getBoolean(1)) {
                    return List.of();
                }
            }
            List<String> pipelines = new ArrayList<>();
            try (ResultSet rows = sql.executeQuery("SELECT pipeline FROM harvest_jobs UNION SELECT pipeline FROM"
                    + " harvest_files ORDER BY 1")) {
                while (rows.next()) {
                    pipelines.add(rows.getString(1));
                }
            }
            return pipelines;
        }
    }

    @Override
    public String writeFailure() {
        return database.writeFailure();
    }

    @Override
    public boolean retryWrites() {
        if (!database.retryWrites()) {
            return false;
        }
        if (pending != null && !pending.jobKeys().isEmpty()) {
            try {
                writePending();
            } catch (LedgerFailureException e) {
                LOG.warn("{} (the kept records are written at a later poll)", e.getMessage());
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean isJobComplete(String jobKey) {
        return database.single("look up " + jobKey, connection -> database.exists(connection,
                "SELECT 1 FROM harvest_jobs WHERE pipeline = ? AND job_key = ?", jobKey));
    }

    @Override
    public JobSchedule schedule(String provider, Intervals intervals) {
        return new JdbcJobSchedule(database, provider, owner, intervals);
    }

    /**
     * Takes the job when no instance holds it, the holder let its lease expire, or the holder is this instance (its
     * hand-back failed, the database being away: it need not wait for its own lease to run out). Each grant carries a
     * fence number one higher than the last, so the records of an earlier holder, or an earlier claim, are refused.
     */
    @Override
    public Optional<Lease> claim(String jobKey) {
        long asked = System.nanoTime();
        Long fence = database.single("claim " + jobKey, connection -> {
            try (PreparedStatement statement = database.statement(connection, """
                    INSERT INTO harvest_leases (pipeline, job_key, owner, fence, expires_at)
                    VALUES (?, ?, ?, 1, now() + %s)
                    ON CONFLICT (pipeline, job_key) DO UPDATE SET owner = EXCLUDED.owner,
                        fence = harvest_leases.fence + 1, expires_at = EXCLUDED.expires_at
                    WHERE harvest_leases.expires_at <= now() OR harvest_leases.owner = EXCLUDED.owner
                    RETURNING fence""".formatted(leaseInterval), jobKey, owner);
                    ResultSet row = statement.executeQuery()) {
                return row.next() ? row.getLong(1) : null;
            }
        });
        if (fence == null) {
            return Optional.empty();
        }
        JdbcLease lease = new JdbcLease(jobKey, fence, asked);
        leases.put(jobKey, lease);
        return Optional.of(lease);
    }

    private final class JdbcLease implements Lease {

        private final String jobKey;
        private final long fence;
        /** Until when this instance counts the lease as its own: it asked for it no later than this minus leaseTime. */
        private volatile long heldUntilNanos;
        private volatile boolean lost;
        /** Asked to hand it back while records of its job were kept locally: done once they are written. */
        private volatile boolean handBackWhenWritten;

        private JdbcLease(String jobKey, long fence, long askedNanos) {
            this.jobKey = jobKey;
            this.fence = fence;
            this.heldUntilNanos = askedNanos + leaseTime.toNanos();
        }

        @Override
        public boolean held() {
            return !lost && System.nanoTime() - heldUntilNanos < 0;
        }

        @Override
        public boolean renew() {
            if (!held()) {
                lost = true;
                return false;
            }
            long asked = System.nanoTime();
            try {
                boolean renewed = database.single("renew the lease on " + jobKey, connection -> database.update(connection,
                        "UPDATE harvest_leases SET expires_at = now() + " + leaseInterval + " WHERE pipeline = ?"
                        + " AND job_key = ? AND owner = ? AND fence = ? AND expires_at > now()", jobKey, owner,
                        fence) == 1);
                if (renewed) {
                    heldUntilNanos = asked + leaseTime.toNanos();
                } else {
                    lost = true;
                }
            } catch (LedgerFailureException e) {
                // Not renewed, not lost yet: the lease holds until it expires, and the next renewal tries again.
                LOG.warn("{} (the lease holds until it expires)", e.getMessage());
            }
            return held();
        }

        @Override
        public void release() {
            if (pending != null && pending.jobKeys().contains(jobKey)) {
                // Handed back, another instance would deliver again what the kept records say is delivered.
                handBackWhenWritten = true;
                return;
            }
            leases.remove(jobKey, this);
            try {
                database.single("hand back " + jobKey, connection -> database.update(connection, "UPDATE harvest_leases SET"
                        + " expires_at = now() WHERE pipeline = ? AND job_key = ? AND owner = ? AND fence = ?"
                        + " AND expires_at > now()", jobKey, owner, fence));
            } catch (LedgerFailureException e) {
                LOG.warn("{} (it expires by itself)", e.getMessage());
            }
        }
    }
}

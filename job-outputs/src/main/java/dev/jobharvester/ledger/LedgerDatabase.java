package dev.jobharvester.ledger;

import dev.jobharvester.common.Failures;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared ledger's way to its database: pooled connections, statements scoped to one pipeline, failures named
 * with what was being done, and whether the database can be reached at all.
 */
final class LedgerDatabase {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerDatabase.class);
    /** How long the database may go unasked before a poll checks that it still answers. */
    private static final Duration PROBE_AFTER = Duration.ofSeconds(10);
    private static final int PROBE_TIMEOUT_SECONDS = 2;

    private final DataSource dataSource;
    private final String where;
    private final String pipeline;
    private volatile boolean tablesReady;
    /** Why the database could not be reached the last time it was asked, or null while it answers. */
    private volatile String unreachable;
    /** When the database last answered (System.nanoTime). */
    private volatile long answeredAt = System.nanoTime();

    LedgerDatabase(DataSource dataSource, String where, String pipeline) {
        this.dataSource = dataSource;
        this.where = where;
        this.pipeline = pipeline;
    }

    /**
     * Creates or migrates the tables at the first use, not at start: a daemon whose database is down starts all the
     * same, and each poll says so until it answers. An outage of the database must not stop the daemon for good.
     */
    private void prepareTables() {
        if (!tablesReady) {
            synchronized (this) {
                if (!tablesReady) {
                    connected("prepare its tables", true, LedgerSchema::migrate);
                    tablesReady = true;
                }
            }
        }
    }

    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Runs work of several statements in one transaction; a failure rolls it back. */
    <T> T transaction(String what, Work<T> work) {
        prepareTables();
        return connected(what, true, work);
    }

    /** Runs one statement, which needs no transaction around it: one round trip to the database. */
    <T> T single(String what, Work<T> work) {
        prepareTables();
        return connected(what, false, work);
    }

    /** Runs work on a pooled connection; a failure is named with what was being done. */
    private <T> T connected(String what, boolean transaction, Work<T> work) {
        Connection connection = null;
        try {
            connection = dataSource.getConnection();
            T result;
            if (!transaction) {
                result = work.run(connection);
            } else {
                connection.setAutoCommit(false);
                try {
                    result = work.run(connection);
                    connection.commit();
                } catch (SQLException | RuntimeException e) {
                    rollback(connection, e);
                    throw e;
                }
            }
            answered();
            return result;
        } catch (SQLException e) {
            boolean connectionFailure = isConnectionFailure(e) || isClosed(connection);
            if (connectionFailure) {
                // Whichever statement found it out, what an operator needs to hear is that the database is away.
                unreachable = failure("be reached", e, true).getMessage();
            }
            throw failure(what, e, connectionFailure);
        } finally {
            close(connection);
        }
    }

    /** A rollback that fails (the connection broke) must not hide the failure that called for it. */
    private static void rollback(Connection connection, Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * The pool closes a connection it found broken (the server ended its session): what it says then ("Connection is
     * closed") has no SQL state to tell it by.
     */
    private static boolean isClosed(Connection connection) {
        try {
            return connection != null && connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    private static void close(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("closing a ledger connection failed: {}", e.getMessage());
            }
        }
    }

    private void answered() {
        unreachable = null;
        answeredAt = System.nanoTime();
    }

    /**
     * No connection could be had, or it broke (SQL state class 08), or the server is shutting down or starting (57P01
     * to 57P03: a restart ends every session with one of these); not a statement the database refused.
     */
    private static boolean isConnectionFailure(SQLException e) {
        String state = e.getSQLState();
        return e instanceof SQLTransientConnectionException
                || state != null && (state.startsWith("08") || state.startsWith("57P"));
    }

    /**
     * While the database cannot be reached, no new file is taken (its record could not be written) and readiness says
     * why. Every statement tells; {@link #retryWrites} also asks the database when nothing has for a while, so that an
     * idle pipeline notices an outage too.
     */
    public String writeFailure() {
        return unreachable;
    }

    public boolean retryWrites() {
        if (unreachable != null || System.nanoTime() - answeredAt > PROBE_AFTER.toNanos()) {
            try {
                connected("be reached", false, connection -> {
                    try (Statement probe = connection.createStatement()) {
                        probe.setQueryTimeout(PROBE_TIMEOUT_SECONDS);
                        return probe.execute("SELECT 1");
                    }
                });
            } catch (LedgerFailureException e) {
                LOG.debug("{}", e.getMessage());
            }
        }
        return unreachable == null;
    }

    private LedgerFailureException failure(String what, SQLException e, boolean unreachable) {
        return new LedgerFailureException("the ledger " + pipeline + " in " + where + " could not " + what + ": "
                + Failures.describe(e, ": "), e, unreachable);
    }

    String pipeline() {
        return pipeline;
    }

    /** A statement with the values given, in order. */
    PreparedStatement bound(Connection connection, String sql, Object... values) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        for (int i = 0; i < values.length; i++) {
            statement.setObject(i + 1, values[i]);
        }
        return statement;
    }

    /** A statement whose first parameter is this ledger's pipeline, then the values given. */
    PreparedStatement statement(Connection connection, String sql, Object... values) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        statement.setString(1, pipeline);
        for (int i = 0; i < values.length; i++) {
            statement.setObject(i + 2, values[i]);
        }
        return statement;
    }

    int update(Connection connection, String sql, Object... values) throws SQLException {
        try (PreparedStatement statement = statement(connection, sql, values)) {
            return statement.executeUpdate();
        }
    }

    boolean exists(Connection connection, String sql, Object... values) throws SQLException {
        try (PreparedStatement statement = statement(connection, sql, values); ResultSet row = statement.executeQuery()) {
            return row.next();
        }
    }
}

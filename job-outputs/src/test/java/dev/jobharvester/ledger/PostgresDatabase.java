package dev.jobharvester.ledger;

import dev.jobharvester.machine.Machine;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * A database of its own for one test, on the PostgreSQL server that HARVESTER_TEST_POSTGRES_URL names (.ci/run starts
 * one; {@code eval "$(bash .ci/postgres.sh start DIR)"} starts one by hand). Without it, the test is skipped, except
 * under CI, where a server that failed to start must not pass for tests that passed.
 */
public final class PostgresDatabase implements AutoCloseable {

    private static final String SERVER_VARIABLE = "HARVESTER_TEST_POSTGRES_URL";

    private final String serverUrl;
    private final String name;

    private PostgresDatabase(String serverUrl, String name) {
        this.serverUrl = serverUrl;
        this.name = name;
    }

    /** The configured server's JDBC URL; the calling test is skipped (failed under CI) when there is none. */
    public static String serverUrl() {
        String server = System.getenv(SERVER_VARIABLE);
        String missing = "no PostgreSQL for this test: set " + SERVER_VARIABLE
                + " (eval \"$(bash .ci/postgres.sh start DIR)\" starts a throwaway server)";
        Machine.require(server != null && !server.isBlank(), missing);
        return server;
    }

    /** A new, empty database; the calling test is skipped (failed under CI) when no server is configured. */
    public static PostgresDatabase create() throws SQLException {
        return create(serverUrl());
    }

    /** A new, empty database on the server with that JDBC URL. */
    public static PostgresDatabase create(String server) throws SQLException {
        String name = "harvester_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12)
                .toLowerCase(Locale.ROOT);
        try (Connection connection = DriverManager.getConnection(server); Statement sql = connection.createStatement()) {
            sql.execute("CREATE DATABASE " + name);
        }
        return new PostgresDatabase(server, name);
    }

    /** The JDBC URL of this test's database, credentials included as the server's URL has them. */
    public String url() {
        int query = serverUrl.indexOf('?');
        String base = query < 0 ? serverUrl : serverUrl.substring(0, query);
        String params = query < 0 ? "" : serverUrl.substring(query);
        return base.substring(0, base.lastIndexOf('/') + 1) + name + params;
    }

    /** The rows a query answers, each as its columns joined by a space. */
    public List<String> rows(String query) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(url()); Statement sql = connection.createStatement();
                ResultSet row = sql.executeQuery(query)) {
            int columns = row.getMetaData().getColumnCount();
            while (row.next()) {
                StringBuilder line = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    line.append(i > 1 ? " " : "").append(row.getString(i));
                }
                rows.add(line.toString());
            }
        }
        return rows;
    }

    @Override
    public void close() throws SQLException {
        try (Connection connection = DriverManager.getConnection(serverUrl); Statement sql = connection.createStatement()) {
            sql.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}

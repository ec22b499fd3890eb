package dev.jobharvester.ledger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of one test's own, started by {@code .ci/postgres.sh} in a folder of the test's, that the test
 * may stop and start again (a database outage) without touching the server the other tests share. Needs the server
 * package that the shared one runs from: the test is skipped (failed under CI) where there is none.
 */
public final class PostgresServer implements AutoCloseable {

    private static final Path SCRIPT = Path.of("..", ".ci", "postgres.sh");
    private static final Pattern URL = Pattern.compile("HARVESTER_TEST_POSTGRES_URL='([^']+)'");

    private final Path dir;
    private final String url;

    private PostgresServer(Path dir, String url) {
        this.dir = dir;
        this.url = url;
    }

    /**
     * Starts one in a folder of its own under the system's temp folder: the server's user (postgres, when the tests
     * run as root) must be able to reach it, which a test's private temp folder does not let it.
     */
    public static PostgresServer start() throws IOException, InterruptedException {
        PostgresDatabase.serverUrl();
        Path dir = Files.createTempDirectory("harvester-pg-");
        Matcher export = URL.matcher(run("start", dir));
        if (!export.find()) {
            throw new IOException(SCRIPT + " start printed no server URL");
        }
        return new PostgresServer(dir, export.group(1));
    }

    /** The server's JDBC URL, for {@link PostgresDatabase#create(String)}. */
    public String url() {
        return url;
    }

    /** Stops the server, keeping its data: every connection is cut, and new ones are refused. */
    public void pause() throws IOException, InterruptedException {
        run("pause", dir);
    }

    /** Starts the stopped server again, on the same port. */
    public void resume() throws IOException, InterruptedException {
        run("resume", dir);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("stop", dir);
        try (Stream<Path> left = Files.walk(dir)) {
            left.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    private static String run(String action, Path dir) throws IOException, InterruptedException {
        Process script = new ProcessBuilder("bash", SCRIPT.toString(), action, dir.toAbsolutePath().toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!script.waitFor(60, TimeUnit.SECONDS) || script.exitValue() != 0) {
            throw new IOException(SCRIPT + " " + action + " " + dir + " failed: " + out);
        }
        return out;
    }
}

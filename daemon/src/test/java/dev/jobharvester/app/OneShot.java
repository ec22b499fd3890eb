package dev.jobharvester.app;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** {@code harvest} as a script runs it, with what it printed kept for the test. */
final class OneShot {

    private final Path config;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    OneShot(Path config) {
        this.config = config;
    }

    int harvest(String... options) throws InterruptedException {
        out.reset();
        err.reset();
        return HarvestOnce.run(config, CommandLine.parse(options), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    String printed() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String errors() {
        return err.toString(StandardCharsets.UTF_8);
    }
}

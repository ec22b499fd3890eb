package dev.jobharvester.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/** What a test needs of the machine beyond Java (a server, a tool, root), and the commands it runs there. */
public final class Machine {

    private Machine() {
    }

    /**
     * Skips the calling test when the machine lacks what it needs, saying what; under CI, where .ci/run installs
     * everything, fails it instead, so that a missing part never passes for a test that passed.
     */
    public static void require(boolean present, String missing) {
        if ("true".equals(System.getenv("CI"))) {
            assertThat(present).as(missing).isTrue();
        }
        assumeTrue(present, missing);
    }

    /** Runs a command, its output dropped; answers its exit code, or -1 when it is not installed or hangs. */
    public static int run(String... command) throws InterruptedException {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().transferTo(OutputStream.nullOutputStream());
            return process.waitFor(30, TimeUnit.SECONDS) ? process.exitValue() : -1;
        } catch (IOException notInstalled) {
            return -1;
        }
    }
}

package dev.jobharvester.app;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.camel.main.Main;
import org.apache.camel.main.SimpleMainShutdownStrategy;
import org.apache.camel.spi.ShutdownStrategy;
import org.apache.logging.log4j.LogManager;

/**
 * Runs the pipelines in the foreground until SIGTERM or Ctrl-C, then stops gracefully: files in flight get the
 * shutdown timeout to finish. The stop itself is bounded too: a sink operation stuck beyond it (a frozen server holding
 * camel-ftp's connection lock) must not keep the process from ending; what it had not recorded is fetched again at the
 * next start.
 */
final class Daemon {

    /** What the forced stop after the shutdown timeout may take before the process ends regardless. */
    static final Duration STOP_ALLOWANCE = Duration.ofSeconds(10);

    private Daemon() {
    }

    static int run(Path config) throws InterruptedException {
        Main main = Harvester.create(config, Map.of());
        // Camel's default strategy adds a SIGTERM hook of its own that waits for the stop on its own terms, even with
        // hangup support disabled (4.18.0): the JVM would wait for it. The hook below is the only one.
        main.setShutdownStrategy(new SimpleMainShutdownStrategy());
        try {
            main.start();
        } catch (Exception e) {
            System.err.println("job-harvester: cannot start: " + Harvester.describe(e));
            return ExitCodes.CONFIG;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        ShutdownStrategy shutdown = main.getCamelContext().getShutdownStrategy();
        Duration bound = Duration.ofMillis(shutdown.getTimeUnit().toMillis(shutdown.getTimeout())).plus(STOP_ALLOWANCE);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Thread stop = new Thread(main::stop, "job-harvester-stop");
            stop.setDaemon(true);
            stop.start();
            try {
                stop.join(bound.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (stop.isAlive()) {
                LogManager.getLogger(Daemon.class).warn("the stop took over {} s (a sink operation does not end):"
                        + " ending now; files not recorded are fetched again at the next start", bound.toSeconds());
            }
            LogManager.shutdown();
            stopped.countDown();
        }, "job-harvester-shutdown"));
        stopped.await();
        return ExitCodes.OK;
    }
}

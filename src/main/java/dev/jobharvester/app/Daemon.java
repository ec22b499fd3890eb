package dev.jobharvester.app;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.camel.main.Main;
import org.apache.logging.log4j.LogManager;

/** Runs the pipelines in the foreground until SIGTERM or Ctrl-C, then stops gracefully. */
final class Daemon {

    private Daemon() {
    }

    static int run(Path config) throws InterruptedException {
        Main main = Harvester.create(config, Map.of());
        try {
            main.start();
        } catch (Exception e) {
            System.err.println("job-harvester: cannot start: " + Harvester.describe(e));
            return ExitCodes.CONFIG;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            main.stop();
            LogManager.shutdown();
            stopped.countDown();
        }, "job-harvester-shutdown"));
        stopped.await();
        return ExitCodes.OK;
    }
}

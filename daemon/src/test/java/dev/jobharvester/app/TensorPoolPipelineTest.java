package dev.jobharvester.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.management.ObjectName;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipelines in routes/, run by the real daemon against the simulator, into a directory. */
class TensorPoolPipelineTest {

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();
    private SimJob completed;
    private SimJob failed;
    private SimJob runningThenCompleted;

    @BeforeEach
    void jobs() throws Exception {
        completed = simulator.addJob(TensorPoolApi.NAME, SimJob.of("tp-done", JobScript.always("completed"),
                SimFile.of("a/b/c/deep.bin", 3_000_000).throttle(20_000_000),
                SimFile.of("top.txt", 1_000),
                SimFile.of("x/y.json", 5_000)));
        failed = simulator.addJob(TensorPoolApi.NAME, SimJob.of("tp-error",
                JobScript.start("running", 1).thenStays("error"),
                SimFile.of("logs/err.log", 3_000)));
        runningThenCompleted = simulator.addJob(TensorPoolApi.NAME, SimJob.of("tp-later",
                JobScript.start("pending", 1).then("running", 2).thenStays("completed"),
                SimFile.of("out/model.pt", 1 << 20),
                SimFile.of("out/log/train.log", 20_000)));
    }


    private Map<String, String> settings() {
        return RunningHarvester.settings(simulator, dir, "tp-done,tp-error,tp-later");
    }

    @Test
    void yamlPipelineDeliversCompletedJobsWholeAndLeavesErrorJobsAlone() throws Exception {
        Path output = RunningHarvester.output(dir);
        // A failed first attempt must leave nothing under the final name; the file is fetched again whole.
        completed.file("a/b/c/deep.bin").abortAfter(1_000_000, 1);
        PartialFileWatch watch = new PartialFileWatch(Delivered.jobDir(TensorPoolApi.NAME, output, completed).resolve("a/b/c/deep.bin"),
                3_000_000);
        watch.start();
        try (RunningHarvester harvester = RunningHarvester.start(settings())) {
            assertThat(ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName(
                    "org.apache.camel:context=job-harvester,type=routes,name=\"tensorpool-to-directory\""), null))
                    .as("the route's MBean").hasSize(1);
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(TensorPoolApi.NAME, output, completed)
                    && Delivered.manifestPresent(TensorPoolApi.NAME, output, runningThenCompleted)
                    && statusRequests("tp-error") >= 2);
        } finally {
            watch.stop();
        }
        assertThat(watch.partialSeen()).as("a partly written file was visible under its final name").isFalse();
        Delivered.assertComplete(TensorPoolApi.NAME, output, completed, "completed");
        Delivered.assertComplete(TensorPoolApi.NAME, output, runningThenCompleted, "completed");
        assertThat(simulator.downloads(TensorPoolApi.NAME, "tp-done", "a/b/c/deep.bin")).isEqualTo(2);
        assertThat(simulator.downloads(TensorPoolApi.NAME, "tp-done", "top.txt")).isEqualTo(1);
        Delivered.assertEachDownloadedOnce(simulator, TensorPoolApi.NAME, runningThenCompleted);
        // An error job is not harvested unless asked for: not even its URLs are requested.
        assertThat(Delivered.jobDir(TensorPoolApi.NAME, output, failed)).doesNotExist();
        assertThat(simulator.requests().matching(e -> e.path().equals("/tensorpool/job/pull/tp-error"))).isEmpty();
        try (Stream<Path> files = Files.walk(output)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".inprogress-"));
        }
    }

    @Test
    void errorJobsOutputsAreHarvestedWhenAskedFor() throws Exception {
        Map<String, String> settings = settings();
        settings.put("tensorpool.harvest-states", "completed, ERROR");
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(TensorPoolApi.NAME, output, failed)
                    && Delivered.manifestPresent(TensorPoolApi.NAME, output, completed));
        }
        Delivered.assertComplete(TensorPoolApi.NAME, output, failed, "error");
        Delivered.assertEachDownloadedOnce(simulator, TensorPoolApi.NAME, failed);
        // What the platform says of the result beyond its state: a job that ended in error is told from one that did not.
        assertThat(Delivered.manifest(TensorPoolApi.NAME, output, failed).get("outcome").asText())
                .isEqualTo("exit_code: 1");
        assertThat(Delivered.manifest(TensorPoolApi.NAME, output, completed).get("outcome").asText())
                .isEqualTo("exit_code: 0");
    }

    @Test
    void aJavaPipelineInTheRoutesDirectoryIsCompiledAtStartAndDeliversTheSameWay() throws Exception {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        Files.writeString(routes.resolve("TensorpoolToDirectory.java"), """
                import org.apache.camel.builder.RouteBuilder;

                public class TensorpoolToDirectory extends RouteBuilder {
                    @Override
                    public void configure() {
                        from("job-outputs:tensorpool?apiUrl={{tensorpool.api-url}}&apiKey=RAW({{tensorpool.api-key}})"
                                + "&jobIds={{tensorpool.job-ids}}")
                                .routeId("tensorpool-to-directory-java")
                                .to("durable-file:{{harvester.output-dir}}");
                    }
                }
                """);
        Map<String, String> settings = settings();
        settings.put("harvester.routes-dir", routes.toString());
        settings.put("routes.tensorpool-to-directory.enabled", "false");
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            assertThat(harvester.context().getRouteController()
                    .getRouteStatus("tensorpool-to-directory-java").isStarted()).isTrue();
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(TensorPoolApi.NAME, output, completed)
                    && Delivered.manifestPresent(TensorPoolApi.NAME, output, runningThenCompleted));
        }
        Delivered.assertComplete(TensorPoolApi.NAME, output, completed, "completed");
        Delivered.assertComplete(TensorPoolApi.NAME, output, runningThenCompleted, "completed");
        Delivered.assertEachDownloadedOnce(simulator, TensorPoolApi.NAME, completed);
    }

    private long statusRequests(String jobId) {
        return simulator.requests().matching(e -> e.path().equals("/tensorpool/job/info/" + jobId)).size();
    }

    /** Watches one path from another thread and remembers whether it was ever seen with fewer bytes than the whole. */
    private static final class PartialFileWatch {
        private final Path path;
        private final long size;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong partial = new AtomicLong(-1);
        private final Thread thread;

        PartialFileWatch(Path path, long size) {
            this.path = path;
            this.size = size;
            this.thread = new Thread(this::watch, "partial-file-watch");
        }

        void start() {
            thread.start();
        }

        private void watch() {
            while (running.get()) {
                try {
                    long seen = Files.size(path);
                    if (seen != size) {
                        partial.set(seen);
                    }
                } catch (java.io.IOException absent) {
                    Thread.onSpinWait();
                }
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }

        boolean partialSeen() {
            return partial.get() >= 0;
        }
    }
}

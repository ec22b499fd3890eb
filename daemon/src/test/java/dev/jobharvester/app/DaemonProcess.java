package dev.jobharvester.app;

import dev.jobharvester.sim.Simulator;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The daemon ({@code HarvesterMain run}) in a JVM of its own, with JVM options of the test's choosing (a capped heap),
 * started from the project folder with the test's classpath; its output goes to {@code daemon.log} in {@code dir}.
 */
final class DaemonProcess implements AutoCloseable {

    private final Process process;

    private DaemonProcess(Process process) {
        this.process = process;
    }

    /** Starts the daemon; its log is appended to {@code dir/daemon.log}, so several runs keep one log. */
    static DaemonProcess start(Path dir, String jvmOption, Map<String, String> environment) throws IOException {
        return start(dir, List.of(jvmOption), environment);
    }

    static DaemonProcess start(Path dir, List<String> jvmOptions, Map<String, String> environment) throws IOException {
        return startCommand(dir, command(jvmOptions, "run"), environment);
    }

    /** The harvester's command line in a JVM of its own: java, the JVM options, the main class, the arguments. */
    static List<String> command(List<String> jvmOptions, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), HarvesterMain.class.getName()));
        command.addAll(List.of(arguments));
        return command;
    }

    /** The settings of a TensorPool pipeline pointed at the simulator, as environment variables, in {@code dir}. */
    static Map<String, String> tensorPoolEnvironment(Simulator simulator, Path dir, String jobIds) {
        Map<String, String> environment = new HashMap<>(NewUserProcess.pointedAt(simulator));
        environment.putAll(Map.of("TENSORPOOL_JOB_IDS", jobIds,
                "HARVESTER_OUTPUT_DIR", RunningHarvester.output(dir).toString(),
                "HARVESTER_DATA_DIR", dir.resolve("data").toString()));
        return environment;
    }

    /** Runs a command (the harvester's, or one wrapping it) with its output appended to {@code dir/daemon.log}. */
    static DaemonProcess startCommand(Path dir, List<String> command, Map<String, String> environment)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("daemon.log").toFile()));
        builder.environment().put("HARVESTER_MANAGEMENT_PORT", "0");
        builder.environment().putAll(environment);
        return new DaemonProcess(builder.start());
    }

    long pid() {
        return process.pid();
    }

    /** Waits for the process to end; answers its exit code. */
    int waitFor(Duration bound) throws InterruptedException {
        if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the process was still running after " + bound.toSeconds() + " s");
        }
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no graceful stop, as a crash or the OOM killer would end it. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGSTOP: the process freezes where it is, as a VM paused by its host or a long GC would. */
    void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT: the frozen process goes on where it was, unaware of the time that passed. */
    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /**
     * SIGTERM, as systemd, Docker and Kubernetes stop a service; answers the exit code.
     *
     * @throws AssertionError when the process is still running after {@code bound}
     */
    int terminate(Duration bound) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the daemon was still running " + bound.toSeconds() + " s after SIGTERM");
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException, IOException {
        if (process.isAlive()) {
            resume(); // a frozen process would not act on SIGTERM
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}

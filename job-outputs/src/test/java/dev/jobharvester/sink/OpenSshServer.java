package dev.jobharvester.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobharvester.machine.Machine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH sshd (Debian's openssh-server) for one test: on 127.0.0.1 and a free port, its own host key and
 * config, root logging in with a key made for the test, SFTP by internal-sftp starting in a folder of the test's. Run
 * under {@code strace} when a trace file is given, to see the file-system calls the server makes for its client. It
 * needs root and /usr/sbin/sshd: without them the test is skipped, except under CI, where it fails.
 */
public final class OpenSshServer implements AutoCloseable {

    private static final Path SSHD = Path.of("/usr/sbin/sshd");

    private final Process process;
    private final Path directory;
    private final int port;

    private OpenSshServer(Process process, Path directory, int port) {
        this.process = process;
        this.directory = directory;
        this.port = port;
    }

    /** @param trace where strace writes the server's rename, link and unlink calls; null: no strace */
    public static OpenSshServer start(Path directory, Path trace) throws Exception {
        Machine.require(Files.isExecutable(SSHD) && "root".equals(System.getProperty("user.name"))
                && (trace == null || Machine.run("strace", "-V") == 0), "an OpenSSH server test needs root,"
                + " /usr/sbin/sshd (apt-get install openssh-server) and strace");
        Files.createDirectories(directory.resolve("root"));
        Files.createDirectories(Path.of("/run/sshd"));
        keygen(directory.resolve("host_rsa"));
        keygen(directory.resolve("id_rsa"));
        Files.copy(directory.resolve("id_rsa.pub"), directory.resolve("authorized_keys"));
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path config = Files.writeString(directory.resolve("sshd_config"), String.join("\n",
                "Port " + port, "ListenAddress 127.0.0.1", "HostKey " + directory.resolve("host_rsa"),
                "PidFile " + directory.resolve("sshd.pid"), "AuthorizedKeysFile " + directory.resolve("authorized_keys"),
                "StrictModes no", "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no",
                "PermitRootLogin prohibit-password", "AllowUsers root",
                "Subsystem sftp internal-sftp -d " + directory.resolve("root"), ""));
        List<String> command = new ArrayList<>();
        if (trace != null) {
            command.addAll(List.of("strace", "-f", "-qq", "-s", "512", "-o", trace.toString(), "-e",
                    "trace=rename,renameat,renameat2,link,linkat,unlink,unlinkat"));
        }
        command.addAll(List.of(SSHD.toString(), "-D", "-e", "-f", config.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(directory.resolve("sshd.log").toFile()).start();
        OpenSshServer server = new OpenSshServer(process, directory, port);
        await().atMost(Duration.ofSeconds(30)).until(server::answers);
        return server;
    }

    /** For the benchmark: a server in the folder given, until killed; prints where to reach it. */
    public static void main(String[] args) throws Exception {
        OpenSshServer server = start(Path.of(args[0]), null);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }));
        System.out.println("port=" + server.port() + "\nroot=" + server.root() + "\nkey=" + server.privateKey()
                + "\nknown_hosts=" + server.knownHosts());
        Thread.currentThread().join();
    }

    private boolean answers() {
        assertThat(process.isAlive()).as("sshd running; see %s", directory.resolve("sshd.log")).isTrue();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static void keygen(Path key) throws IOException, InterruptedException {
        assertThat(Machine.run("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "", "-f", key.toString()))
                .as("ssh-keygen of " + key).isZero();
    }

    public int port() {
        return port;
    }

    /** The folder an SFTP session starts in. */
    public Path root() {
        return directory.resolve("root");
    }

    public String user() {
        return "root";
    }

    public Path privateKey() {
        return directory.resolve("id_rsa");
    }

    /** A known_hosts file naming this server's host key. */
    public Path knownHosts() throws IOException {
        String[] key = Files.readString(directory.resolve("host_rsa.pub")).trim().split(" ");
        return Files.writeString(directory.resolve("known_hosts"), "[127.0.0.1]:" + port + " " + key[0] + " " + key[1]
                + "\n");
    }

    /** SIGSTOP to sshd and every process it started: the server and its sessions freeze, connections stay open. */
    public void freeze() throws Exception {
        signal("STOP");
        // The signal is delivered asynchronously: the state turns to stopped shortly after kill returns.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(Files.readString(
                Path.of("/proc/" + process.pid() + "/stat")).split(" ")[2]).as("sshd's state").isEqualTo("T"));
    }

    /** SIGCONT: the frozen server goes on where it was. */
    public void thaw() throws InterruptedException {
        signal("CONT");
    }

    /** A session that ends meanwhile makes kill fail for its pid, not for the others: the exit code says nothing. */
    private void signal(String name) throws InterruptedException {
        List<String> command = new ArrayList<>(List.of("kill", "-" + name, String.valueOf(process.pid())));
        process.toHandle().descendants().forEach(p -> command.add(String.valueOf(p.pid())));
        Machine.run(command.toArray(String[]::new));
    }

    /** Stops sshd (and strace with it, its trace complete). */
    @Override
    public void close() throws Exception {
        thaw();
        Path pidFile = directory.resolve("sshd.pid");
        if (Files.exists(pidFile)) {
            Machine.run("kill", Files.readString(pidFile).trim());
        }
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}

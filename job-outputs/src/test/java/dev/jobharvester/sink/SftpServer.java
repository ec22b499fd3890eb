package dev.jobharvester.sink;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.CopyOption;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.sftp.server.SftpFileSystemAccessor;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.apache.sshd.sftp.server.SftpSubsystemProxy;

/**
 * A real SFTP server for tests: Apache MINA SSHD on 127.0.0.1 and a free port, one user with a password and a key,
 * files under a temp folder. Like OpenSSH, it renames onto an existing file only when asked with the posix-rename
 * extension (an atomic replace); started {@link #withoutAtomicReplace}, like a server without that extension, it never
 * does. It keeps the paths it was asked to remove. Its host key is written to a known_hosts file for the client.
 */
public final class SftpServer implements AutoCloseable {

    public static final String USER = "harvester";
    public static final String PASSWORD = "sftp-pass-7c2e91";

    private final SshServer server;
    private final Path root;
    private final Path knownHosts;
    private final Path privateKey;
    private final List<String> removed;
    private final List<PasswordTry> passwordTries;

    private SftpServer(SshServer server, Path root, Path knownHosts, Path privateKey, List<String> removed,
            List<PasswordTry> passwordTries) {
        this.server = server;
        this.root = root;
        this.knownHosts = knownHosts;
        this.privateKey = privateKey;
        this.removed = removed;
        this.passwordTries = passwordTries;
    }

    /** A server that replaces a file in one step when asked with posix-rename, as OpenSSH does. */
    public static SftpServer start(Path directory) throws Exception {
        return start(directory, true);
    }

    /** A server without posix-rename: it refuses to rename onto an existing file, however asked. */
    public static SftpServer withoutAtomicReplace(Path directory) throws Exception {
        return start(directory, false);
    }

    private static SftpServer start(Path directory, boolean atomicReplace) throws Exception {
        Path root = Files.createDirectories(directory.resolve("root"));
        KeyPair clientKey = KeyUtils.generateKeyPair(KeyPairProvider.SSH_RSA, 2048);
        Path privateKey = directory.resolve("id_rsa");
        try (OutputStream out = Files.newOutputStream(privateKey)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(clientKey, "harvester-test", null, out);
        }
        SimpleGeneratorHostKeyProvider hostKeys = new SimpleGeneratorHostKeyProvider(directory.resolve("host-key"));
        hostKeys.setAlgorithm(KeyUtils.RSA_ALGORITHM);
        SshServer server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(hostKeys);
        List<PasswordTry> passwordTries = new CopyOnWriteArrayList<>();
        server.setPasswordAuthenticator((user, password, session) -> {
            passwordTries.add(new PasswordTry(Instant.now(), session.getIoSession().getId()));
            return USER.equals(user) && PASSWORD.equals(password);
        });
        server.setPublickeyAuthenticator((user, key, session) -> USER.equals(user)
                && KeyUtils.compareKeys(key, clientKey.getPublic()));
        SftpSubsystemFactory sftp = new SftpSubsystemFactory();
        List<String> removed = new CopyOnWriteArrayList<>();
        sftp.setFileSystemAccessor(new SftpFileSystemAccessor() {
            @Override
            public void renameFile(SftpSubsystemProxy subsystem, Path oldPath, Path newPath,
                    Collection<CopyOption> options) throws IOException {
                boolean replace = atomicReplace && options.contains(StandardCopyOption.REPLACE_EXISTING);
                if (Files.exists(newPath) && !replace) {
                    throw new FileAlreadyExistsException(newPath.toString());
                }
                SftpFileSystemAccessor.super.renameFile(subsystem, oldPath, newPath, options);
            }

            @Override
            public void removeFile(SftpSubsystemProxy subsystem, Path path, boolean isDirectory) throws IOException {
                removed.add(path.toString());
                SftpFileSystemAccessor.super.removeFile(subsystem, path, isDirectory);
            }
        });
        server.setSubsystemFactories(List.of(sftp));
        server.setFileSystemFactory(new VirtualFileSystemFactory(root));
        server.start();
        Path knownHosts = directory.resolve("known_hosts");
        KeyPair hostKey = hostKeys.loadKeys(null).iterator().next();
        Files.writeString(knownHosts, "[127.0.0.1]:" + server.getPort() + " "
                + PublicKeyEntry.toString(hostKey.getPublic()) + "\n");
        return new SftpServer(server, root, knownHosts, privateKey, removed, passwordTries);
    }

    /** The files the server was asked to remove, as the client named them from the user's root, in order. */
    public List<String> removed() {
        return List.copyOf(removed);
    }

    /** A password offered, right or wrong, and on which connection. */
    public record PasswordTry(Instant at, long connection) {
    }

    /** The passwords clients offered, in order: what a lockout policy counts. */
    public List<PasswordTry> passwordTries() {
        return List.copyOf(passwordTries);
    }

    public int port() {
        return server.getPort();
    }

    /** The folder the user's files land in. */
    public Path root() {
        return root;
    }

    public Path knownHosts() {
        return knownHosts;
    }

    public Path privateKey() {
        return privateKey;
    }

    @Override
    public void close() throws Exception {
        server.stop(true);
    }
}

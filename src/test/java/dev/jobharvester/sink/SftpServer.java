package dev.jobharvester.sink;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.CopyOption;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Collection;
import java.util.List;
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
 * files under a temp folder. Like a server without OpenSSH's posix-rename extension, it refuses to rename a file onto
 * an existing one, in any form. Its host key is written to a known_hosts file for the client.
 */
public final class SftpServer implements AutoCloseable {

    public static final String USER = "harvester";
    public static final String PASSWORD = "sftp-pass-7c2e91";

    private final SshServer server;
    private final Path root;
    private final Path knownHosts;
    private final Path privateKey;

    private SftpServer(SshServer server, Path root, Path knownHosts, Path privateKey) {
        this.server = server;
        this.root = root;
        this.knownHosts = knownHosts;
        this.privateKey = privateKey;
    }

    public static SftpServer start(Path directory) throws Exception {
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
        server.setPasswordAuthenticator((user, password, session) -> USER.equals(user) && PASSWORD.equals(password));
        server.setPublickeyAuthenticator((user, key, session) -> USER.equals(user)
                && KeyUtils.compareKeys(key, clientKey.getPublic()));
        SftpSubsystemFactory sftp = new SftpSubsystemFactory();
        sftp.setFileSystemAccessor(new SftpFileSystemAccessor() {
            @Override
            public void renameFile(SftpSubsystemProxy subsystem, Path oldPath, Path newPath,
                    Collection<CopyOption> options) throws IOException {
                // Like a server without the posix-rename extension: never over an existing file, whatever is asked.
                if (Files.exists(newPath)) {
                    throw new FileAlreadyExistsException(newPath.toString());
                }
                SftpFileSystemAccessor.super.renameFile(subsystem, oldPath, newPath, options);
            }
        });
        server.setSubsystemFactories(List.of(sftp));
        server.setFileSystemFactory(new VirtualFileSystemFactory(root));
        server.start();
        Path knownHosts = directory.resolve("known_hosts");
        KeyPair hostKey = hostKeys.loadKeys(null).iterator().next();
        Files.writeString(knownHosts, "[127.0.0.1]:" + server.getPort() + " "
                + PublicKeyEntry.toString(hostKey.getPublic()) + "\n");
        return new SftpServer(server, root, knownHosts, privateKey);
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

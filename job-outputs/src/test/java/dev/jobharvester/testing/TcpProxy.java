package dev.jobharvester.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on 127.0.0.1 and a free port, in front of a server (PostgreSQL, s3proxy): it can cut every connection and
 * refuse new ones, as a network outage or a stopped server would, and let them through again. One made with
 * {@link #recording} also keeps what clients sent, for a test to read what went over the wire.
 */
public final class TcpProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** What each client sent, one stream per connection, so that two connections' bytes do not interleave. */
    private final List<ByteArrayOutputStream> sent = new CopyOnWriteArrayList<>();
    private final boolean recording;
    private volatile boolean cut;

    private TcpProxy(InetSocketAddress target, boolean recording) throws IOException {
        this.target = target;
        this.recording = recording;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "tcp-proxy-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static TcpProxy to(String host, int port) throws IOException {
        return new TcpProxy(new InetSocketAddress(host, port), false);
    }

    /** A proxy that also keeps every byte clients send through it, for {@link #sent()}. */
    public static TcpProxy recording(String host, int port) throws IOException {
        return new TcpProxy(new InetSocketAddress(host, port), true);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Every connection through the proxy is cut, and new ones are closed as soon as they come. */
    public void cut() {
        cut = true;
        for (Socket socket : open) {
            close(socket);
        }
    }

    public void restore() {
        cut = false;
    }

    /**
     * Every byte clients sent through the proxy so far, connection after connection, as ISO-8859-1 text (HTTP heads
     * read as they were sent).
     */
    public String sent() {
        if (!recording) {
            throw new IllegalStateException("this proxy keeps nothing: make it with TcpProxy.recording");
        }
        StringBuilder text = new StringBuilder();
        for (ByteArrayOutputStream connection : sent) {
            text.append(connection.toString(StandardCharsets.ISO_8859_1));
        }
        return text.toString();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (cut) {
                    close(client);
                    continue;
                }
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                open.add(client);
                open.add(upstream);
                OutputStream record = OutputStream.nullOutputStream();
                if (recording) {
                    ByteArrayOutputStream kept = new ByteArrayOutputStream();
                    sent.add(kept);
                    record = kept;
                }
                pump(client, upstream, record);
                pump(upstream, client, OutputStream.nullOutputStream());
            } catch (IOException e) {
                // Closed, or the server behind refused: the client sees its connection end.
            }
        }
    }

    private void pump(Socket from, Socket to, OutputStream record) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    record.write(buffer, 0, n);
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // One side ended: the other is closed below.
            } finally {
                close(from);
                close(to);
            }
        }, "tcp-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private void close(Socket socket) {
        open.remove(socket);
        try {
            socket.close();
        } catch (IOException e) {
            // Closed already.
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        cut();
    }
}

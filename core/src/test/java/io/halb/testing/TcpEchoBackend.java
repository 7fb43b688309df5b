package io.halb.testing;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP echo server on 127.0.0.1, port 0, built on plain blocking sockets: it sends back every byte
 * it receives, and when the client half-closes (FIN) it sends {@link #TRAILER} and then closes.
 *
 * <p>Thread-safety: one thread accepts, one thread per connection echoes; the accessors may be
 * called from any thread.
 */
public final class TcpEchoBackend implements Closeable {

    /** What the server sends after the client's FIN, before closing. */
    public static final byte[] TRAILER = "bye\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tcp-echo");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong bytesEchoed = new AtomicLong();

    private TcpEchoBackend() throws IOException {
        server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    public static TcpEchoBackend start() throws IOException {
        return new TcpEchoBackend();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    /** {@code 127.0.0.1:port}, as written in a configuration. */
    public String hostPort() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Bytes echoed so far over all connections. */
    public long bytesEchoed() {
        return bytesEchoed.get();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                open.add(s);
                threads.execute(() -> echo(s));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void echo(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[16 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                bytesEchoed.addAndGet(n);
            }
            out.write(TRAILER);
            out.flush();
            s.shutdownOutput();
        } catch (IOException e) {
            // The peer reset or the backend is closing: nothing to echo to.
        } finally {
            open.remove(s);
        }
    }
}

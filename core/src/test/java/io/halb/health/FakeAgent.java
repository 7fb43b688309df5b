package io.halb.health;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A misbehaving agent on 127.0.0.1, port 0: writes a fixed reply (any bytes, with or without a line
 * end) and closes, or accepts and never answers. Plain blocking sockets on one thread.
 */
final class FakeAgent implements Closeable {

    private final ServerSocket server;
    private final Thread thread;
    private final List<Socket> stalled = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();

    private FakeAgent(String reply) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        thread = new Thread(() -> serve(reply), "fake-agent");
        thread.setDaemon(true);
        thread.start();
    }

    /** Writes {@code reply} verbatim to each connection, then closes it. */
    static FakeAgent replying(String reply) throws IOException {
        return new FakeAgent(reply);
    }

    /** Accepts connections and never writes nor closes them. */
    static FakeAgent silent() throws IOException {
        return new FakeAgent(null);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    int connections() {
        return connections.get();
    }

    private void serve(String reply) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                if (reply == null) {
                    stalled.add(s);
                    continue;
                }
                try (s) {
                    s.getOutputStream().write(reply.getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().flush();
                    s.shutdownOutput();
                    // Wait for the checker to close, so that our close never resets its connection.
                    s.setSoTimeout(5000);
                    while (s.getInputStream().read() >= 0) {
                        // discard
                    }
                }
            } catch (SocketException e) {
                // closed
            } catch (IOException e) {
                // a peer that went away: next
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : stalled) {
            s.close();
        }
    }
}

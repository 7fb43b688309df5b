package io.halb.proxy;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A plain response head passes to an HTTP/1.1 client as the server's bytes (issue 9): without its
 * hop-by-hop lines, with its body intact however the server's writes split it, and with the server
 * connection kept or dropped exactly as when heads were decoded.
 */
class RawRelayIntegrationTest {

    @Test
    void hopByHopLinesStayOnTheServersHopAndTheConnectionIsReused() throws Exception {
        try (ScriptedServer server = new ScriptedServer(req -> List.of(
                "HTTP/1.1 200 OK\r\nServer: scripted\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
                        + "X-A: 1\r\nContent-Length: 5\r\n\r\nhello"));
             HalbFixture halb = HalbFixture.start(config(server));
             RawClient c = halb.connect("web")) {
            for (int i = 0; i < 3; i++) {
                RawResponse r = c.write(RawClient.get("a.example", "/" + i)).readResponse();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("hello");
                assertThat(r.header("X-A")).contains("1");
                assertThat(r.header("Server")).contains("scripted");
                assertThat(r.header("Connection")).isEmpty();
                assertThat(r.header("Keep-Alive")).isEmpty();
            }
            assertThat(server.connections()).isEqualTo(1);
        }
    }

    @Test
    void aResponseSplitAcrossWritesArrivesWhole() throws Exception {
        try (ScriptedServer server = new ScriptedServer(req -> List.of(
                "HTTP/1.1 200 OK\r\nContent-", "Length: 10\r\nX-B: 2\r", "\n\r\n01234", "56789"));
             HalbFixture halb = HalbFixture.start(config(server));
             RawClient c = halb.connect("web")) {
            for (int i = 0; i < 2; i++) {
                RawResponse r = c.write(RawClient.get("a.example", "/split")).readResponse();
                assertThat(r.bodyText()).isEqualTo("0123456789");
                assertThat(r.header("X-B")).contains("2");
            }
            assertThat(server.connections()).isEqualTo(1);
        }
    }

    @Test
    void aLargeBodyIsRelayedByteForByte() throws Exception {
        StringBuilder body = new StringBuilder();
        for (int i = 0; body.length() < 300_000; i++) {
            body.append(i).append(',');
        }
        String b = body.toString();
        try (ScriptedServer server = new ScriptedServer(req -> List.of(
                "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: " + b.length() + "\r\n\r\n" + b.substring(0, 1000),
                b.substring(1000)));
             HalbFixture halb = HalbFixture.start(config(server));
             RawClient c = halb.connect("web")) {
            RawResponse r = c.write(RawClient.get("a.example", "/big")).readResponse();
            assertThat(r.bodyText()).isEqualTo(b);
            assertThat(c.write(RawClient.get("a.example", "/big")).readResponse().bodyText()).isEqualTo(b);
            assertThat(server.connections()).isEqualTo(1);
        }
    }

    @Test
    void headAnd204And304HaveNoBodyAndTheConnectionGoesOn() throws Exception {
        try (ScriptedServer server = new ScriptedServer(req -> List.of(
                req.startsWith("HEAD") ? "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
                        : req.contains("/204") ? "HTTP/1.1 204 No Content\r\n\r\n"
                        : req.contains("/304") ? "HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n\r\n"
                        : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
             HalbFixture halb = HalbFixture.start(config(server));
             RawClient c = halb.connect("web")) {
            RawResponse head = c.write(RawClient.request("HEAD", "a.example", "/")).readHeadResponse();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).contains("1000");
            assertThat(c.write(RawClient.get("a.example", "/204")).readResponse().status()).isEqualTo(204);
            assertThat(c.write(RawClient.get("a.example", "/304")).readHeadResponse().status()).isEqualTo(304);
            assertThat(c.write(RawClient.get("a.example", "/")).readResponse().bodyText()).isEqualTo("ok");
            assertThat(server.connections()).isEqualTo(1);
        }
    }

    @Test
    void aServerThatClosesIsNotReusedAndTheClientStaysConnected() throws Exception {
        try (ScriptedServer server = new ScriptedServer(req -> List.of(
                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", ScriptedServer.CLOSE));
             HalbFixture halb = HalbFixture.start(config(server));
             RawClient c = halb.connect("web")) {
            for (int i = 0; i < 3; i++) {
                RawResponse r = c.write(RawClient.get("a.example", "/")).readResponse();
                assertThat(r.bodyText()).isEqualTo("ok");
                assertThat(r.header("Connection")).isEmpty();
            }
            assertThat(server.connections()).isEqualTo(3);
        }
    }

    @Test
    void aClientThatClosesGetsConnectionClose() throws Exception {
        try (ScriptedServer server = new ScriptedServer(req -> List.of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
             HalbFixture halb = HalbFixture.start(config(server));
             RawClient c = halb.connect("web")) {
            RawResponse r = c.write(RawClient.get("a.example", "/", "Connection: close")).readResponse();
            assertThat(r.bodyText()).isEqualTo("ok");
            assertThat(r.header("Connection")).contains("close");
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void bytesBeyondTheResponseRetireTheServerConnection() throws Exception {
        try (ScriptedServer server = new ScriptedServer(req -> List.of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE"));
             HalbFixture halb = HalbFixture.start(config(server));
             RawClient c = halb.connect("web")) {
            for (int i = 0; i < 2; i++) {
                RawResponse r = c.write(RawClient.get("a.example", "/")).readResponse();
                assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("ok");
            }
            assertThat(server.connections()).as("a connection that spoke out of turn is not reused").isEqualTo(2);
        }
    }

    @Test
    void theStickyCookieIsAddedToARelayedHead() throws Exception {
        try (ScriptedServer server = new ScriptedServer(req -> List.of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
             HalbFixture halb = HalbFixture.start("""
                     listeners:
                       - {name: web, bind: "127.0.0.1:0", pool: p}
                     pools:
                       - name: p
                         health: {type: none}
                         persistence: {type: cookie, cookie: srv}
                         servers: [{name: s1, address: "127.0.0.1:%d"}]
                     """.formatted(server.port()));
             RawClient c = halb.connect("web")) {
            RawResponse r = c.write(RawClient.get("a.example", "/")).readResponse();
            assertThat(r.bodyText()).isEqualTo("ok");
            assertThat(r.headerValues("Set-Cookie")).anySatisfy(v -> assertThat(v).startsWith("srv="));
        }
    }

    private static String config(ScriptedServer server) {
        return """
                listeners:
                  - {name: web, bind: "127.0.0.1:0", pool: p}
                pools:
                  - {name: p, health: {type: none}, retries: 0, servers: [{name: s1, address: "127.0.0.1:%d"}]}
                """.formatted(server.port());
    }

    /**
     * A server on 127.0.0.1 that answers each request head with the pieces its script gives, each
     * written and flushed on its own with a short pause between (so halb reads them apart);
     * {@link #CLOSE} as a piece closes the connection.
     */
    static final class ScriptedServer implements AutoCloseable {
        static final String CLOSE = "\u0000close";

        private final ServerSocket socket;
        private final Function<String, List<String>> script;
        private final AtomicInteger connections = new AtomicInteger();
        private final List<Socket> open = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        ScriptedServer(Function<String, List<String>> script) throws IOException {
            this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            this.script = script;
            this.acceptor = new Thread(this::accept, "scripted-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        int connections() {
            return connections.get();
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    connections.incrementAndGet();
                    open.add(s);
                    Thread t = new Thread(() -> serve(s), "scripted-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s) {
                s.setSoTimeout(20_000);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    List<String> pieces = new ArrayList<>(script.apply(head));
                    for (int i = 0; i < pieces.size(); i++) {
                        if (pieces.get(i).equals(CLOSE)) {
                            return;
                        }
                        if (i > 0) {
                            Thread.sleep(30);
                        }
                        out.write(pieces.get(i).getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                    }
                }
            } catch (SocketException e) {
                // halb closed the connection
            } catch (IOException | InterruptedException e) {
                // the test is over
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.write(b);
                matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            return head.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }
}

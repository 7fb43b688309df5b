package io.halb.guard;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TcpEchoBackend;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Connection and rate limits on loopback: a flood from 127.0.0.2 is refused (429, tarpit, drop) or
 * diverted while a well-behaved client on 127.0.0.3 is served; per-client connections, deny lists,
 * the overload threshold and a TCP listener's limits.
 */
class LimitsIntegrationTest {

    static final String FLOOD = "127.0.0.2";
    static final String NORMAL = "127.0.0.3";
    static final Path FIGURES = Path.of("target", "protection-figures.txt");

    /** An http listener web (pool web) with {@code limits}, and a second pool busy. */
    static String template(String limits) {
        return """
                event_loops: 2
                listeners:
                  - name: web
                    bind: "127.0.0.1:0"
                    pool: web
                    limits: %s
                pools:
                  - name: web
                    health: {type: none}
                    retries: 0
                    servers: [{name: w1, address: "{{web}}"}]
                  - name: busy
                    health: {type: none}
                    retries: 0
                    servers: [{name: b1, address: "{{busy}}"}]
                timeouts: {connect: 2s, header_read: 10s, client_idle: 30s, server: 20s}
                """.formatted(limits);
    }

    static RawResponse get(HalbFixture halb, String from, String path) throws IOException {
        try (RawClient c = RawClient.connectFrom(halb.address("web"), from)) {
            c.write(RawClient.get("a.example", path));
            return c.readResponse();
        }
    }

    static void figure(String line) throws IOException {
        Files.createDirectories(FIGURES.getParent());
        Files.writeString(FIGURES, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void aFloodOverItsRequestRateGets429WhileAnotherAddressIsServed() throws Exception {
        try (TestBackend web = TestBackend.start("w1");
             TestBackend busy = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(template("{per_client: {request_rate: {rate: 10, burst: 20}}}"),
                     Map.of("web", web, "busy", busy))) {
            int ok = 0;
            int limited = 0;
            long start = System.nanoTime();
            for (int i = 0; i < 300; i++) {
                RawResponse r = get(halb, FLOOD, "/flood");
                if (r.status() == 200) {
                    ok++;
                } else {
                    assertThat(r.status()).isEqualTo(429);
                    assertThat(r.bodyText()).contains("request rate");
                    limited++;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            // The bucket lets through its burst and then 10 a second.
            assertThat(ok).isBetween(20, 20 + (int) Math.ceil(seconds * 10) + 2);
            assertThat(limited).isEqualTo(300 - ok);
            for (int i = 0; i < 20; i++) {
                RawResponse r = get(halb, NORMAL, "/normal");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("w1 GET /normal");
            }
            assertThat(halb.halb().scrapeMetrics())
                    .contains("halb_limit_refusals_total{listener=\"web\",reason=\"request_rate\"} " + limited + ".0")
                    .contains("halb_local_responses_total{listener=\"web\",reason=\"limited\"} " + limited + ".0");
            figure(String.format("flood request_rate 10/s burst 20: 300 requests from %s in %.1f s: %d served, %d answered 429; "
                    + "20/20 requests from %s served", FLOOD, seconds, ok, limited, NORMAL));
        }
    }

    @Test
    void aFloodOverItsRateIsDivertedToAnotherPool() throws Exception {
        try (TestBackend web = TestBackend.start("w1");
             TestBackend busy = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(template(
                     "{per_client: {request_rate: {rate: 5, burst: 5}}, action: {divert: busy}}"),
                     Map.of("web", web, "busy", busy))) {
            int toWeb = 0;
            int toBusy = 0;
            try (RawClient c = RawClient.connectFrom(halb.address("web"), FLOOD)) {
                for (int i = 0; i < 100; i++) {
                    c.write(RawClient.get("a.example", "/f" + i));
                    RawResponse r = c.readResponse();
                    assertThat(r.status()).isEqualTo(200);
                    if (r.bodyText().startsWith("b1 ")) {
                        toBusy++;
                    } else {
                        toWeb++;
                    }
                }
            }
            assertThat(toWeb).isGreaterThanOrEqualTo(5).isLessThan(40);
            assertThat(busy.requests()).isEqualTo(toBusy).isGreaterThan(60);
            assertThat(busy.recordedRequests()).allSatisfy(r -> assertThat(r.header("X-Forwarded-For")).contains(FLOOD));
            assertThat(get(halb, NORMAL, "/n").bodyText()).isEqualTo("w1 GET /n");
            figure("flood request_rate 5/s burst 5, action divert: 100 keep-alive requests from " + FLOOD + ": "
                    + toWeb + " to pool web, " + toBusy + " diverted to pool busy (seen at its backend)");
        }
    }

    @Test
    void perClientConnectionsAreLimited() throws Exception {
        try (TestBackend web = TestBackend.start("w1");
             TestBackend busy = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(template("{per_client: {max_connections: 3}}"),
                     Map.of("web", web, "busy", busy))) {
            List<RawClient> open = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    RawClient c = RawClient.connectFrom(halb.address("web"), FLOOD);
                    open.add(c);
                    c.write(RawClient.get("a.example", "/keep"));
                    assertThat(c.readResponse().status()).isEqualTo(200);
                }
                RawResponse fourth = get(halb, FLOOD, "/fourth");
                assertThat(fourth.status()).isEqualTo(429);
                assertThat(fourth.bodyText()).contains("too many connections from this address");
                assertThat(get(halb, NORMAL, "/other").status()).isEqualTo(200);
            } finally {
                open.forEach(RawClient::close);
            }
            // Their slots are free again once they closed.
            await().atMost(Duration.ofSeconds(10)).until(() -> get(halb, FLOOD, "/again").status() == 200);
        }
    }

    @Test
    void aDeniedAddressIsClosedAtAcceptAndNeverReachesAServer() throws Exception {
        try (TestBackend web = TestBackend.start("w1");
             TestBackend busy = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(template("{deny: [127.0.0.2/32]}"), Map.of("web", web, "busy", busy))) {
            try (RawClient c = RawClient.connectFrom(halb.address("web"), FLOOD)) {
                c.write(RawClient.get("a.example", "/denied"));
                assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
            }
            assertThat(get(halb, NORMAL, "/ok").status()).isEqualTo(200);
            assertThat(web.requests()).isEqualTo(1);
            assertThat(halb.halb().scrapeMetrics()).contains("halb_limit_refusals_total{listener=\"web\",reason=\"deny\"} 1.0");
        }
    }

    @Test
    void aTarpitHoldsTheRequestThen429s() throws Exception {
        try (TestBackend web = TestBackend.start("w1");
             TestBackend busy = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(template(
                     "{per_client: {request_rate: {rate: 1, burst: 1}}, action: tarpit, tarpit: 1500ms}"),
                     Map.of("web", web, "busy", busy))) {
            assertThat(get(halb, FLOOD, "/first").status()).isEqualTo(200);
            long start = System.nanoTime();
            RawResponse r = get(halb, FLOOD, "/second");
            long heldMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.status()).isEqualTo(429);
            assertThat(heldMillis).isGreaterThanOrEqualTo(1400);
            assertThat(web.requests()).isEqualTo(1);
            figure("tarpit 1500ms: the refused request was answered 429 after " + heldMillis + " ms");
        }
    }

    @Test
    void dropClosesAtOnceWithoutAnAnswer() throws Exception {
        try (TestBackend web = TestBackend.start("w1");
             TestBackend busy = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(template(
                     "{per_client: {connection_rate: {rate: 1, burst: 2}}, action: drop}"),
                     Map.of("web", web, "busy", busy))) {
            assertThat(get(halb, FLOOD, "/1").status()).isEqualTo(200);
            assertThat(get(halb, FLOOD, "/2").status()).isEqualTo(200);
            try (RawClient c = RawClient.connectFrom(halb.address("web"), FLOOD)) {
                c.write(RawClient.get("a.example", "/3"));
                assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
            }
            assertThat(get(halb, NORMAL, "/n").status()).isEqualTo(200);
            assertThat(web.requests()).isEqualTo(3);
            assertThat(halb.halb().scrapeMetrics())
                    .contains("halb_limit_refusals_total{listener=\"web\",reason=\"connection_rate\"} 1.0");
        }
    }

    @Test
    void overTheOverloadThresholdNewConnectionsAreDiverted() throws Exception {
        try (TestBackend web = TestBackend.start("w1");
             TestBackend busy = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(template(
                     "{max_connections: 10, overload: {max_connections: 2, action: {divert: busy}}}"),
                     Map.of("web", web, "busy", busy))) {
            List<RawClient> open = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    RawClient c = RawClient.connectFrom(halb.address("web"), NORMAL);
                    open.add(c);
                    c.write(RawClient.get("a.example", "/keep"));
                    assertThat(c.readResponse().bodyText()).startsWith("w1 ");
                }
                assertThat(get(halb, FLOOD, "/third").bodyText()).isEqualTo("b1 GET /third");
            } finally {
                open.forEach(RawClient::close);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> get(halb, FLOOD, "/later").bodyText().startsWith("w1 "));
        }
    }

    @Test
    void anAllowedAddressIsExemptFromPerClientLimits() throws Exception {
        try (TestBackend web = TestBackend.start("w1");
             TestBackend busy = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(template(
                     "{per_client: {request_rate: {rate: 1, burst: 1}}, allow: [127.0.0.3/32]}"),
                     Map.of("web", web, "busy", busy))) {
            for (int i = 0; i < 10; i++) {
                assertThat(get(halb, NORMAL, "/" + i).status()).isEqualTo(200);
            }
            assertThat(get(halb, FLOOD, "/a").status()).isEqualTo(200);
            assertThat(get(halb, FLOOD, "/b").status()).isEqualTo(429);
        }
    }

    @Test
    void aTcpListenerClosesOverItsLimitAndDiverts() throws Exception {
        try (TcpEchoBackend echo = TcpEchoBackend.start();
             TcpEchoBackend other = TcpEchoBackend.start();
             HalbFixture halb = HalbFixture.start("""
                     event_loops: 2
                     listeners:
                       - {name: db, bind: "127.0.0.1:0", mode: tcp, pool: db, limits: {per_client: {max_connections: 1}}}
                       - {name: db2, bind: "127.0.0.1:0", mode: tcp, pool: db,
                          limits: {per_client: {max_connections: 1}, action: {divert: spare}}}
                     pools:
                       - {name: db, health: {type: none}, servers: [{name: e1, address: "{{echo}}"}]}
                       - {name: spare, health: {type: none}, servers: [{name: e2, address: "{{other}}"}]}
                     """, Map.of("echo", echo, "other", other))) {
            try (Socket first = connect(halb.address("db"), FLOOD)) {
                assertThat(echoes(first)).isTrue();
                try (Socket second = connect(halb.address("db"), FLOOD)) {
                    assertThat(closedUnanswered(second)).isTrue();
                }
                try (Socket third = connect(halb.address("db"), NORMAL)) {
                    assertThat(echoes(third)).isTrue();
                }
            }
            try (Socket first = connect(halb.address("db2"), FLOOD);
                 Socket second = connect(halb.address("db2"), FLOOD)) {
                assertThat(echoes(first)).isTrue();
                assertThat(echoes(second)).isTrue();
                assertThat(other.connections()).isEqualTo(1);
            }
        }
    }

    @Test
    void aTcpTarpitHoldsTheConnectionThenCloses() throws Exception {
        try (TcpEchoBackend echo = TcpEchoBackend.start();
             HalbFixture halb = HalbFixture.start("""
                     listeners:
                       - {name: db, bind: "127.0.0.1:0", mode: tcp, pool: db,
                          limits: {per_client: {connection_rate: {rate: 1, burst: 1}}, action: tarpit, tarpit: 1s}}
                     pools:
                       - {name: db, health: {type: none}, servers: [{name: e1, address: "{{echo}}"}]}
                     """, Map.of("echo", echo))) {
            try (Socket first = connect(halb.address("db"), FLOOD)) {
                assertThat(echoes(first)).isTrue();
            }
            long start = System.nanoTime();
            try (Socket second = connect(halb.address("db"), FLOOD)) {
                assertThat(closedUnanswered(second)).isTrue();
            }
            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(900);
            assertThat(echo.connections()).isEqualTo(1);
        }
    }

    @Test
    void limitsJudgeTheClientThatAProxyProtocolHeaderNames() throws Exception {
        try (TestBackend web = TestBackend.start("w1");
             TestBackend busy = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(template("{deny: [198.18.0.5/32]}").replace(
                     "    limits:", "    proxy_protocol: {trusted: [127.0.0.1/32]}\n    limits:"),
                     Map.of("web", web, "busy", busy))) {
            try (RawClient c = halb.connect("web")) {
                c.write("PROXY TCP4 198.18.0.5 127.0.0.1 5555 80\r\n" + RawClient.get("a.example", "/denied"));
                assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
            }
            try (RawClient c = halb.connect("web")) {
                c.write("PROXY TCP4 198.18.0.6 127.0.0.1 5555 80\r\n" + RawClient.get("a.example", "/ok"));
                assertThat(c.readResponse().status()).isEqualTo(200);
            }
            assertThat(web.requests()).isEqualTo(1);
        }
    }

    @Test
    void aReloadKeepsTheCountsAndAppliesTheNewLimitsToNewConnections() throws Exception {
        try (TestBackend web = TestBackend.start("w1");
             TestBackend busy = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(template("{per_client: {max_connections: 1}}"),
                     Map.of("web", web, "busy", busy))) {
            try (RawClient held = RawClient.connectFrom(halb.address("web"), FLOOD)) {
                held.write(RawClient.get("a.example", "/held"));
                assertThat(held.readResponse().status()).isEqualTo(200);
                assertThat(get(halb, FLOOD, "/over").status()).isEqualTo(429);
                String next = HalbFixture.render(template("{per_client: {max_connections: 2}}"), Map.of("web", web, "busy", busy));
                assertThat(halb.halb().reload(io.halb.config.ConfigLoader.parse(next, HalbFixture.SOURCE, Map.of()))
                        .applied()).isTrue();
                // The held connection still counts: one more fits, not two.
                try (RawClient second = RawClient.connectFrom(halb.address("web"), FLOOD)) {
                    second.write(RawClient.get("a.example", "/second"));
                    assertThat(second.readResponse().status()).isEqualTo(200);
                    assertThat(get(halb, FLOOD, "/third").status()).isEqualTo(429);
                }
            }
        }
    }

    static Socket connect(InetSocketAddress to, String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(to, 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static boolean echoes(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write("ping\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        byte[] buf = new byte[5];
        InputStream in = s.getInputStream();
        int n = 0;
        while (n < 5) {
            int r = in.read(buf, n, 5 - n);
            if (r < 0) {
                return false;
            }
            n += r;
        }
        return new String(buf, StandardCharsets.US_ASCII).equals("ping\n");
    }

    private static boolean closedUnanswered(Socket s) throws IOException {
        try {
            s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            return s.getInputStream().read() < 0;
        } catch (IOException e) {
            return true; // reset
        }
    }
}

package io.halb.guard;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.halb.guard.LimitsIntegrationTest.FLOOD;
import static io.halb.guard.LimitsIntegrationTest.NORMAL;
import static io.halb.guard.LimitsIntegrationTest.figure;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slowloris and slow bodies: clients that send a request head or body a few bytes at a time are
 * closed by {@code timeouts.header_read} and {@code limits.min_body_rate}, and while 500 of them
 * dribble, a normal client is served in its usual time.
 */
class SlowClientIntegrationTest {

    private static String template(String timeouts, String limits) {
        return """
                event_loops: 2
                listeners:
                  - {name: web, bind: "127.0.0.1:0", pool: web, limits: %s}
                pools:
                  - {name: web, health: {type: none}, retries: 0, servers: [{name: w1, address: "{{web}}"}]}
                timeouts: %s
                """.formatted(limits, timeouts);
    }

    @Test
    @Timeout(90)
    void fiveHundredSlowlorisConnectionsDoNotSlowANormalClient() throws Exception {
        try (TestBackend web = TestBackend.start("w1");
             HalbFixture halb = HalbFixture.start(template("{header_read: 5s, client_idle: 30s}", "{}"),
                     Map.of("web", web))) {
            InetSocketAddress address = halb.address("web");
            long[] before = latencies(halb, 30);
            List<Socket> loris = new ArrayList<>();
            try {
                long attackStart = System.nanoTime();
                for (int i = 0; i < 500; i++) {
                    Socket s = new Socket();
                    loris.add(s);
                    s.bind(new InetSocketAddress(InetAddress.getByName(FLOOD), 0));
                    s.connect(address, 5000);
                    s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a.example\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                Thread dribbler = new Thread(() -> dribble(loris), "slowloris");
                dribbler.setDaemon(true);
                dribbler.start();
                long[] during = latencies(halb, 30);
                dribbler.interrupt();
                dribbler.join(5000);
                assertThat(System.nanoTime() - attackStart).as("measured while every slowloris connection was open")
                        .isLessThan(TimeUnit.SECONDS.toNanos(5));
                // Each is closed once header_read has passed since it connected.
                int closed = 0;
                for (Socket s : loris) {
                    if (closedWithin(s, Duration.ofSeconds(15))) {
                        closed++;
                    }
                }
                double closedAfter = (System.nanoTime() - attackStart) / 1e9;
                assertThat(closed).isEqualTo(500);
                assertThat(web.requests()).isEqualTo(60);
                // Generous: the machine is shared; the figure goes to the docs.
                assertThat(max(during)).isLessThan(TimeUnit.SECONDS.toNanos(2));
                figure(String.format("slowloris: normal client on %s, 30 sequential GETs each: before p50 %.2f ms max %.2f ms; "
                                + "with 500 slowloris connections from %s open p50 %.2f ms max %.2f ms; "
                                + "all 500 closed by header_read 5s within %.1f s of the attack start",
                        NORMAL, ms(median(before)), ms(max(before)), FLOOD, ms(median(during)), ms(max(during)), closedAfter));
            } finally {
                for (Socket s : loris) {
                    s.close();
                }
            }
        }
    }

    @Test
    void theNextHeadOnAKeptAliveConnectionGetsHeaderReadNotClientIdle() throws Exception {
        try (TestBackend web = TestBackend.start("w1");
             HalbFixture halb = HalbFixture.start(template("{header_read: 1s, client_idle: 30s}", "{}"),
                     Map.of("web", web))) {
            try (RawClient c = RawClient.connectFrom(halb.address("web"), FLOOD)) {
                c.write(RawClient.get("a.example", "/one"));
                assertThat(c.readResponse().status()).isEqualTo(200);
                // Idle longer than header_read: still open (client_idle applies while nothing is sent).
                assertThat(c.closedByPeer(Duration.ofMillis(1500))).isFalse();
                long start = System.nanoTime();
                c.write("GET /two HTTP/1.1\r\nHost: a.example\r\n");
                assertThat(c.closedByPeer(Duration.ofSeconds(10))).isTrue();
                assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(5));
            }
        }
    }

    @Test
    @Timeout(60)
    void aBodySlowerThanMinBodyRateGets408() throws Exception {
        try (TestBackend web = TestBackend.start("w1");
             HalbFixture halb = HalbFixture.start(template("{header_read: 5s, client_idle: 30s}",
                     "{min_body_rate: 10KiB/s}"), Map.of("web", web))) {
            try (RawClient c = RawClient.connect(halb.address("web"), Duration.ofSeconds(20), Duration.ofSeconds(60))) {
                c.write("POST /upload HTTP/1.1\r\nHost: a.example\r\nContent-Length: 1000000\r\n\r\n");
                long start = System.nanoTime();
                Thread dribbler = new Thread(() -> {
                    try {
                        for (int i = 0; i < 60; i++) {
                            c.write("x".repeat(100));
                            Thread.sleep(500);
                        }
                    } catch (IOException | InterruptedException e) {
                        // closed by halb: expected
                    }
                }, "slow-body");
                dribbler.setDaemon(true);
                dribbler.start();
                RawResponse r = c.readResponse();
                long tookMillis = (System.nanoTime() - start) / 1_000_000;
                dribbler.interrupt();
                assertThat(r.status()).isEqualTo(408);
                assertThat(r.bodyText()).contains("min_body_rate 10KiB/s");
                assertThat(tookMillis).isBetween(4000L, 16000L);
                assertThat(halb.halb().scrapeMetrics()).contains("halb_limit_refusals_total{listener=\"web\",reason=\"body_rate\"} 1.0");
                figure("slow body: 200 B/s against min_body_rate 10KiB/s answered 408 after " + tookMillis + " ms");
            }
            // A body at full speed is not judged.
            try (RawClient c = RawClient.connect(halb.address("web"))) {
                c.write("POST /fast HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5\r\n\r\nhello");
                assertThat(c.readResponse().status()).isEqualTo(200);
            }
        }
    }

    @Test
    @Timeout(60)
    void aClientThatReadsNothingOfAResponseIsCutAfterClientIdle() throws Exception {
        try (TestBackend web = TestBackend.builder("w1").stream(1L << 30, false).start();
             HalbFixture halb = HalbFixture.start(template("{header_read: 5s, client_idle: 2s, server: 3s}", "{}"),
                     Map.of("web", web))) {
            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(4096);
                s.bind(new InetSocketAddress(InetAddress.getByName(FLOOD), 0));
                s.connect(halb.address("web"), 5000);
                s.getOutputStream().write("GET /big HTTP/1.1\r\nHost: a.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                long start = System.nanoTime();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> halb.halb().scrapeMetrics().contains("reason=\"slow_read\"} 1.0"));
                long tookMillis = (System.nanoTime() - start) / 1_000_000;
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> web.openConnections() == 0);
                assertThat(tookMillis).isGreaterThanOrEqualTo(2000);
                figure("slow reader: a client reading nothing of a 1 GiB response was cut " + tookMillis
                        + " ms after its request (client_idle 2s, server 3s)");
            }
        }
    }

    private static void dribble(List<Socket> sockets) {
        byte[] line = "X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII);
        try {
            for (int i = 0; !Thread.currentThread().isInterrupted(); i = (i + 1) % line.length) {
                for (Socket s : sockets) {
                    try {
                        OutputStream out = s.getOutputStream();
                        out.write(line[i]);
                    } catch (IOException e) {
                        // closed by halb
                    }
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            // done
        }
    }

    private static boolean closedWithin(Socket s, Duration wait) throws IOException {
        s.setSoTimeout((int) wait.toMillis());
        try {
            byte[] buf = new byte[1024];
            while (true) {
                if (s.getInputStream().read(buf) < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static long[] latencies(HalbFixture halb, int n) throws IOException {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            RawResponse r = LimitsIntegrationTest.get(halb, NORMAL, "/normal" + i);
            out[i] = System.nanoTime() - start;
            assertThat(r.status()).isEqualTo(200);
        }
        return out;
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static long max(long[] values) {
        return Arrays.stream(values).max().orElse(0);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}

package io.halb.proxy;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client connection's idle and header timers are deadlines that one sweeper per event loop
 * expires (no task per connection): these check that the limits still hold between keep-alive
 * requests, that activity keeps pushing them back, and that many connections on one event loop,
 * some of them closed by the client meanwhile, each get their own. Bounds are generous (loaded CI).
 */
class IdleTimerIntegrationTest {

    private static String config(String timeouts, TestBackend backend) {
        return HalbFixture.httpTemplate("round_robin", 0, backend)
                .replace("header_read: 10s, client_idle: 30s", timeouts);
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterClientIdleAndNotBefore() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(config("header_read: 10s, client_idle: 1s", backend));
             RawClient client = halb.connect("web")) {
            // Requests every 300 ms for ~3 s: the 1 s idle limit is re-armed each time, never reached.
            for (int i = 0; i < 10; i++) {
                RawResponse r = client.write(RawClient.get("app.test", "/busy/" + i)).readResponse();
                assertThat(r.status()).as("request %d on a busy connection", i).isEqualTo(200);
                Thread.sleep(300);
            }
            long idleSince = System.nanoTime();
            assertThat(client.closedByPeer(Duration.ofSeconds(15))).as("closed after client_idle").isTrue();
            long idleMs = (System.nanoTime() - idleSince) / 1_000_000;
            assertThat(idleMs).as("closed after idling %d ms", idleMs).isBetween(500L, 14_000L);
        }
    }

    @Test
    void aHeadBegunOnAKeptAliveConnectionGetsHeaderReadNotWhatIsLeftOfClientIdle() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(config("header_read: 1s, client_idle: 30s", backend));
             RawClient client = halb.connect("web")) {
            assertThat(client.write(RawClient.get("app.test", "/first")).readResponse().status()).isEqualTo(200);
            // The 30 s idle task is queued; half a head must instead be bounded by header_read.
            client.write("GET /slow HTTP/1.1\r\nHost: app.test\r\n".getBytes(StandardCharsets.US_ASCII));
            long since = System.nanoTime();
            assertThat(client.closedByPeer(Duration.ofSeconds(20))).as("closed by header_read").isTrue();
            long ms = (System.nanoTime() - since) / 1_000_000;
            assertThat(ms).as("closed %d ms after the partial head (header_read 1s, client_idle 30s)", ms)
                    .isLessThan(15_000L);
        }
    }

    @Test
    void manyIdleConnectionsEachCloseAfterClientIdleWhileOthersLeaveEarly() throws Exception {
        List<RawClient> clients = new ArrayList<>();
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(config("header_read: 10s, client_idle: 1s", backend))) {
            for (int i = 0; i < 40; i++) {
                RawClient c = halb.connect("web");
                clients.add(c);
                assertThat(c.write(RawClient.get("app.test", "/idle/" + i)).readResponse().status()).isEqualTo(200);
            }
            long idleSince = System.nanoTime();
            // Every other client leaves first: the sweeper's table loses members while it holds the rest.
            for (int i = 0; i < clients.size(); i += 2) {
                clients.get(i).close();
            }
            for (int i = 1; i < clients.size(); i += 2) {
                assertThat(clients.get(i).closedByPeer(Duration.ofSeconds(15))).as("client %d closed after client_idle", i).isTrue();
            }
            long idleMs = (System.nanoTime() - idleSince) / 1_000_000;
            assertThat(idleMs).as("the last closed after idling %d ms", idleMs).isBetween(500L, 14_000L);
            // The listener still serves, and a new connection gets its own idle limit.
            try (RawClient again = halb.connect("web")) {
                assertThat(again.write(RawClient.get("app.test", "/again")).readResponse().status()).isEqualTo(200);
                assertThat(again.closedByPeer(Duration.ofSeconds(15))).as("closed after client_idle").isTrue();
            }
        } finally {
            clients.forEach(RawClient::close);
        }
    }
}

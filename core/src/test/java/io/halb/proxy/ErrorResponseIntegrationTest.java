package io.halb.proxy;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import io.halb.balance.Endpoint;
import io.halb.balance.ServerState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the client gets when halb has to answer itself (DESIGN §3): 502 when the backend failed, 503
 * when no server is available, 504 when the backend timed out, each with the reason in one line.
 */
class ErrorResponseIntegrationTest {

    @Test
    void answers502WhenTheBackendResetsTheConnection() throws Exception {
        try (TestBackend backend = TestBackend.builder("reset").mode(TestBackend.Mode.RESET).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 0, backend));
             RawClient client = halb.connect("web")) {
            RawResponse r = client.write(RawClient.get("app.test", "/boom")).readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(502);
            assertOneLineReason(r);
            assertThat(backend.requestHeads()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void answers502Or503WhenTheOnlyServerRefusesConnections() throws Exception {
        try (HalbFixture halb = HalbFixture.start("""
                     event_loops: 2
                     admin: {bind: "127.0.0.1:0"}
                     listeners:
                       - {name: web, bind: "127.0.0.1:0", pool: web}
                     pools:
                       - name: web
                         retries: 1
                         servers:
                           - {name: gone, address: "{{gone}}"}
                     timeouts: {connect: 1s}
                     """, Map.of("gone", HalbFixture.closedAddress()));
             RawClient client = halb.connect("web")) {
            RawResponse r = client.write(RawClient.get("app.test", "/refused")).readResponse();
            assertThat(r.status()).as("%s", r).isIn(502, 503);
            assertOneLineReason(r);
        }
    }

    @Test
    void answers503WhenHealthChecksTookEveryServerDown() throws Exception {
        try (HalbFixture halb = HalbFixture.start("""
                     event_loops: 2
                     admin: {bind: "127.0.0.1:0"}
                     listeners:
                       - {name: web, bind: "127.0.0.1:0", pool: web}
                     pools:
                       - name: web
                         health: {type: tcp, interval: 100ms, timeout: 200ms, rise: 1, fall: 1}
                         servers:
                           - {name: gone1, address: "{{gone1}}"}
                           - {name: gone2, address: "{{gone2}}"}
                     timeouts: {connect: 1s}
                     """, Map.of("gone1", HalbFixture.closedAddress(), "gone2", HalbFixture.closedAddress()))) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try (RawClient client = halb.connect("web")) {
                    RawResponse r = client.write(RawClient.get("app.test", "/none")).readResponse();
                    assertThat(r.status()).as("%s", r).isEqualTo(503);
                    assertOneLineReason(r);
                }
            });
        }
    }

    @Test
    void answers503WhenNoServerOfThePoolIsAvailable() throws Exception {
        try (TestBackend a = TestBackend.start("a");
             TestBackend b = TestBackend.start("b");
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, a, b));
             RawClient client = halb.connect("web")) {
            assertThat(client.write(RawClient.get("app.test", "/before")).readResponse().status()).isEqualTo(200);
            List<Endpoint> endpoints = halb.halb().endpoints("web");
            assertThat(endpoints).hasSize(2);
            endpoints.get(0).state(ServerState.DOWN);
            endpoints.get(1).state(ServerState.MAINT);
            int before = a.requestHeads() + b.requestHeads();

            RawResponse r = client.write(RawClient.get("app.test", "/none")).readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(503);
            assertOneLineReason(r);
            assertThat(a.requestHeads() + b.requestHeads()).as("no server was asked").isEqualTo(before);

            endpoints.get(1).state(ServerState.UP);
            try (RawClient again = halb.connect("web")) {
                RawResponse back = again.write(RawClient.get("app.test", "/after")).readResponse();
                assertThat(back.status()).isEqualTo(200);
                assertThat(back.bodyText()).isEqualTo("b GET /after");
            }
        }
    }

    @Test
    void answers504WhenTheBackendStallsBeyondTheServerTimeout() throws Exception {
        try (TestBackend backend = TestBackend.builder("stall").mode(TestBackend.Mode.STALL).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 0, backend)
                     .replace("server: 20s", "server: 500ms"));
             RawClient client = halb.connect("web")) {
            long started = System.nanoTime();
            RawResponse r = client.write(RawClient.get("app.test", "/slow")).readResponse();
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(r.status()).as("%s", r).isEqualTo(504);
            assertOneLineReason(r);
            assertThat(took).as("time to 504").isBetween(Duration.ofMillis(400), Duration.ofSeconds(5));
            assertThat(backend.requests()).isEqualTo(1);
        }
    }

    @Test
    void keepsServingAfterAnErrorOnTheSameClientConnection() throws Exception {
        try (TestBackend reset = TestBackend.builder("reset").mode(TestBackend.Mode.RESET).start();
             TestBackend ok = TestBackend.start("ok");
             HalbFixture halb = HalbFixture.start("""
                     event_loops: 2
                     admin: {bind: "127.0.0.1:0"}
                     listeners:
                       - name: web
                         bind: "127.0.0.1:0"
                         pool: ok
                         routes: [{path_prefix: /bad/, pool: bad}]
                     pools:
                       - {name: ok, servers: [{name: ok, address: "{{ok}}"}]}
                       - {name: bad, retries: 0, servers: [{name: reset, address: "{{reset}}"}]}
                     """, Map.of("ok", ok, "reset", reset));
             RawClient client = halb.connect("web")) {
            RawResponse bad = client.write(RawClient.get("app.test", "/bad/x")).readResponse();
            assertThat(bad.status()).isEqualTo(502);
            if (bad.header("Connection").orElse("").equalsIgnoreCase("close")) {
                return; // closing after an error is allowed; nothing more to check on this connection
            }
            RawResponse good = client.write(RawClient.get("app.test", "/fine")).readResponse();
            assertThat(good.status()).isEqualTo(200);
            assertThat(good.bodyText()).isEqualTo("ok GET /fine");
        }
    }

    /** DESIGN §3: every answer halb makes itself names its reason in one line of the body. */
    static void assertOneLineReason(RawResponse r) {
        String body = r.bodyText();
        String line = body.endsWith("\r\n") ? body.substring(0, body.length() - 2)
                : body.endsWith("\n") ? body.substring(0, body.length() - 1) : body;
        assertThat(line).as("reason line of %s", r).isNotBlank().doesNotContain("\n").doesNotContain("\r");
    }
}

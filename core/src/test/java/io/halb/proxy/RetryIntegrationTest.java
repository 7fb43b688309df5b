package io.halb.proxy;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request sent on a pooled server connection that the server had already closed is retried on a
 * fresh one: the client never sees the race between reuse and the server's idle close.
 */
class RetryIntegrationTest {

    @Test
    void retriesTransparentlyWhenTheServerClosedTheKeptAliveConnectionBeforeReuse() throws Exception {
        // After one answer per connection the server closes on the next request without answering:
        // every reuse of a pooled connection hits a connection the server has given up on.
        try (TestBackend backend = TestBackend.builder("b1").staleAfterRequests(1).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            for (int i = 0; i < 50; i++) {
                RawResponse r = client.write(RawClient.get("app.test", "/stale/" + i)).readResponse();
                assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("b1 GET /stale/" + i);
            }
            assertThat(backend.requests()).isEqualTo(50);
        }
    }

    @Test
    void retriesTransparentlyWhenTheServerClosesAfterEveryResponseWithoutSayingSo() throws Exception {
        try (TestBackend backend = TestBackend.builder("b1").closeAfterRequests(1).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            for (int i = 0; i < 50; i++) {
                RawResponse r = client.write(RawClient.get("app.test", "/closing/" + i)).readResponse();
                assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("b1 GET /closing/" + i);
            }
            assertThat(backend.requests()).isEqualTo(50);
        }
    }

    @Test
    void retriesTransparentlyWhenTheServerClosesEveryThirdRequest() throws Exception {
        try (TestBackend backend = TestBackend.builder("b1").staleAfterRequests(3).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            for (int i = 0; i < 50; i++) {
                RawResponse r = client.write(RawClient.get("app.test", "/third/" + i)).readResponse();
                assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
            }
            assertThat(backend.requests()).isEqualTo(50);
            assertThat(backend.requestHeads()).as("stale reuses happened and were retried").isGreaterThan(50);
        }
    }

    @Test
    void retriesOnAnotherServerWhenConnectionIsRefused() throws Exception {
        try (TestBackend ok = TestBackend.start("ok");
             HalbFixture halb = HalbFixture.start(TWO_SERVERS, Map.of("first", HalbFixture.closedAddress(), "second", ok));
             RawClient client = halb.connect("web")) {
            for (int i = 0; i < 20; i++) {
                RawResponse r = client.write(RawClient.request("POST", "app.test", "/refused/" + i,
                        "Content-Length: 0")).readResponse();
                assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("ok POST /refused/" + i);
            }
        }
    }

    @Test
    void retriesAnIdempotentRequestOnAnotherServerWhenOneResets() throws Exception {
        try (TestBackend reset = TestBackend.builder("reset").mode(TestBackend.Mode.RESET).start();
             TestBackend ok = TestBackend.start("ok");
             HalbFixture halb = HalbFixture.start(TWO_SERVERS, Map.of("first", reset, "second", ok));
             RawClient client = halb.connect("web")) {
            for (int i = 0; i < 20; i++) {
                RawResponse r = client.write(RawClient.get("app.test", "/get/" + i)).readResponse();
                assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("ok GET /get/" + i);
            }
            assertThat(reset.requestHeads()).as("the resetting server was tried").isPositive();
        }
    }

    @Test
    void doesNotSendAPostTwiceAfterAServerResetIt() throws Exception {
        try (TestBackend reset = TestBackend.builder("reset").mode(TestBackend.Mode.RESET).start();
             TestBackend ok = TestBackend.start("ok");
             HalbFixture halb = HalbFixture.start(TWO_SERVERS, Map.of("first", reset, "second", ok))) {
            int failed = 0;
            for (int i = 0; i < 10; i++) {
                try (RawClient client = halb.connect("web")) {
                    RawResponse r = client.write(RawClient.request("POST", "app.test", "/post/" + i,
                            "Content-Length: 5") + "hello").readResponse();
                    assertThat(r.status()).as("request %d: %s", i, r).isIn(200, 502);
                    failed += r.status() == 502 ? 1 : 0;
                }
            }
            assertThat(reset.requestHeads() + ok.requests()).as("each POST reached exactly one server").isEqualTo(10);
            assertThat(failed).isEqualTo(reset.requestHeads()).isPositive();
        }
    }

    private static final String TWO_SERVERS = """
            event_loops: 2
            admin: {bind: "127.0.0.1:0"}
            listeners:
              - {name: web, bind: "127.0.0.1:0", pool: web}
            pools:
              - name: web
                algorithm: round_robin
                retries: 1
                servers:
                  - {name: first, address: "{{first}}"}
                  - {name: second, address: "{{second}}"}
            timeouts: {connect: 1s}
            """;
}

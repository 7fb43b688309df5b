package io.halb.health;

import io.halb.balance.Endpoint;
import io.halb.balance.ServerState;
import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Draining a server (HAProxy's DRAIN): requests in flight on it finish, it gets no new requests,
 * except from clients persistence pins to it, and it is back in rotation when set UP again.
 */
class DrainIntegrationTest {

    private static final String TEMPLATE = """
            event_loops: 2
            admin: {bind: "127.0.0.1:0"}
            listeners:
              - {name: web, bind: "127.0.0.1:0", mode: http, pool: web}
            pools:
              - name: web
                algorithm: round_robin
                health: {type: none}
                persistence: {{persistence}}
                retries: 1
                servers:
                  - {name: a, address: "{{a}}"}
                  - {name: b, address: "{{b}}"}
            timeouts: {connect: 1s, header_read: 10s, client_idle: 30s, server: 5s, upstream_idle: 30s, shutdown: 1s}
            """;

    @Test
    void aDrainingServerFinishesItsInFlightRequestAndGetsNoNewOnesUntilItIsUpAgain() throws Exception {
        try (TestBackend a = TestBackend.builder("a").delay(Duration.ofSeconds(1)).start();
             TestBackend b = TestBackend.start("b");
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("a", a, "b", b, "persistence", "{type: none}"))) {
            Endpoint ea = endpoint(halb, "a");
            // Two requests at once: round robin gives one to each; a's takes a second.
            CompletableFuture<RawResponse> first = getAsync(halb, "/slow/1");
            CompletableFuture<RawResponse> second = getAsync(halb, "/slow/2");
            await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
                assertThat(a.requests()).as("a has a request in flight").isEqualTo(1);
                assertThat(ea.inFlight()).isEqualTo(1);
            });

            ea.state(ServerState.DRAIN);
            try (RawClient client = halb.connect("web")) {
                for (int i = 0; i < 20; i++) {
                    RawResponse r = client.write(RawClient.get("app.test", "/while-draining/" + i)).readResponse();
                    assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
                    assertThat(r.header("X-Backend")).as("request %d", i).contains("b");
                }
            }
            assertThat(ea.inFlight()).as("a's request was still in flight meanwhile").isEqualTo(1);
            RawResponse one = first.get(5, TimeUnit.SECONDS);
            RawResponse two = second.get(5, TimeUnit.SECONDS);
            assertThat(one.status()).as("%s", one).isEqualTo(200);
            assertThat(two.status()).as("%s", two).isEqualTo(200);
            assertThat(one.header("X-Backend").orElseThrow() + two.header("X-Backend").orElseThrow())
                    .as("the request in flight on the draining server finished there").isIn("ab", "ba");
            assertThat(a.requests()).as("requests that reached the draining server").isEqualTo(1);
            await().atMost(Duration.ofSeconds(2)).until(() -> ea.inFlight() == 0);

            ea.state(ServerState.UP);
            try (RawClient client = halb.connect("web")) {
                boolean reachedA = false;
                for (int i = 0; i < 4 && !reachedA; i++) {
                    RawResponse r = client.write(RawClient.get("app.test", "/up-again/" + i)).readResponse();
                    assertThat(r.status()).isEqualTo(200);
                    reachedA = r.header("X-Backend").orElseThrow().equals("a");
                }
                assertThat(reachedA).as("a is back in rotation").isTrue();
            }
            assertThat(a.requests()).isEqualTo(2);
        }
    }

    @Test
    void aClientPinnedByCookieKeepsGoingToItsServerWhileItDrains() throws Exception {
        try (TestBackend a = TestBackend.start("a");
             TestBackend b = TestBackend.start("b");
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("a", a, "b", b,
                     "persistence", "{type: cookie, cookie: HALB_SRV}"));
             RawClient pinned = halb.connect("web");
             RawClient fresh = halb.connect("web")) {
            String cookie = null;
            for (int i = 0; i < 4 && cookie == null; i++) {
                RawResponse r = pinned.write(RawClient.get("app.test", "/login/" + i)).readResponse();
                assertThat(r.status()).isEqualTo(200);
                if (r.header("X-Backend").orElseThrow().equals("a")) {
                    String setCookie = r.header("Set-Cookie").orElseThrow();
                    cookie = setCookie.substring(0, setCookie.indexOf(';'));
                }
            }
            assertThat(cookie).as("a pinned the client with a cookie").startsWith("HALB_SRV=");

            endpoint(halb, "a").state(ServerState.DRAIN);
            for (int i = 0; i < 10; i++) {
                RawResponse r = pinned.write(RawClient.get("app.test", "/cart/" + i, "Cookie: " + cookie))
                        .readResponse();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("X-Backend")).as("pinned request %d while a drains", i).contains("a");
                RawResponse other = fresh.write(RawClient.get("app.test", "/home/" + i)).readResponse();
                assertThat(other.status()).isEqualTo(200);
                assertThat(other.header("X-Backend")).as("unpinned request %d while a drains", i).contains("b");
            }

            // In maintenance even a pinned client goes elsewhere.
            endpoint(halb, "a").state(ServerState.MAINT);
            RawResponse moved = pinned.write(RawClient.get("app.test", "/cart/moved", "Cookie: " + cookie))
                    .readResponse();
            assertThat(moved.status()).isEqualTo(200);
            assertThat(moved.header("X-Backend")).contains("b");
        }
    }

    /** A GET on its own connection, on a thread of its own (the common pool may have just one). */
    private static CompletableFuture<RawResponse> getAsync(HalbFixture halb, String path) {
        return CompletableFuture.supplyAsync(() -> {
            try (RawClient client = halb.connect("web")) {
                return client.write(RawClient.get("app.test", path)).readResponse();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, task -> {
            Thread t = new Thread(task, "drain-test-client");
            t.setDaemon(true);
            t.start();
        });
    }

    private static Endpoint endpoint(HalbFixture halb, String name) {
        return halb.halb().endpoints("web").stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }
}

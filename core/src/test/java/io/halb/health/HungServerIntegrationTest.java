package io.halb.health;

import io.halb.balance.Endpoint;
import io.halb.testing.ClientLoad;
import io.halb.testing.HalbFixture;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A hung server (accepts, reads the request, never answers) costs a GET its server timeout, not its
 * answer: the timeout turns into a retry on another server. The active http check times out on it
 * and marks it down; without active checks, passive outlier detection ejects it after five timeouts
 * in a row.
 *
 * <p>Three client threads, not more: a pool's retry budget always allows three retries at once but
 * only 20% of the requests in flight beyond that, so a fourth client whose request times out at the
 * same moment as three others would rightly be answered 504.
 */
class HungServerIntegrationTest {

    private static final String TEMPLATE = """
            event_loops: 2
            admin: {bind: "127.0.0.1:0"}
            listeners:
              - {name: web, bind: "127.0.0.1:0", mode: http, pool: web}
            pools:
              - name: web
                algorithm: round_robin
                health: {{health}}
                retries: 2
                servers:
                  - {name: hung, address: "{{hung}}"}
                  - {name: ok, address: "{{ok}}"}
            timeouts: {connect: 1s, header_read: 10s, client_idle: 30s, server: 300ms, upstream_idle: 30s, shutdown: 1s}
            """;

    @Test
    void getsSucceedThroughTimeoutsIntoRetriesAndTheHttpCheckMarksTheHungServerDown() throws Exception {
        try (TestBackend hung = TestBackend.builder("hung").mode(TestBackend.Mode.STALL).start();
             TestBackend ok = TestBackend.start("ok");
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("hung", hung, "ok", ok,
                     "health", "{type: http, path: /healthz, interval: 200ms, timeout: 100ms, fall: 3, rise: 2}"))) {
            Endpoint e = endpoint(halb, "hung");
            long start = System.nanoTime();
            try (ClientLoad load = ClientLoad.start(halb.address("web"), 3, Duration.ofMillis(1), ClientLoad::get)) {
                // The check times out 3 times in a row: down within about 3 x 200 ms (+ first-check delay).
                await().atMost(Duration.ofSeconds(3)).until(() -> !e.healthy());
                System.out.println("HUNG detection_ms=" + (System.nanoTime() - start) / 1_000_000 + " (http check, "
                        + "interval 200ms, timeout 100ms, fall 3)");
                long atDown = load.completed();
                await().atMost(Duration.ofSeconds(5)).until(() -> load.completed() > atDown + 200);
                load.close();
                assertThat(load.failures()).as("of %d GETs", load.completed()).isEmpty();
                assertThat(load.countsByBackend()).containsOnlyKeys("ok");
                assertThat(proxiedRequests(hung)).as("GETs that reached the hung server and timed out into a retry")
                        .isPositive();
                assertThat(load.outcomes()).anySatisfy(o -> assertThat(o.elapsedNanos())
                        .as("a GET that waited for the server timeout").isGreaterThanOrEqualTo(300_000_000L));
            }
        }
    }

    @Test
    void passiveDetectionEjectsAHungServerWhenHealthChecksAreOff() throws Exception {
        try (TestBackend hung = TestBackend.builder("hung").mode(TestBackend.Mode.STALL).start();
             TestBackend ok = TestBackend.start("ok");
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("hung", hung, "ok", ok, "health", "{type: none}"))) {
            Endpoint e = endpoint(halb, "hung");
            try (ClientLoad load = ClientLoad.start(halb.address("web"), 3, Duration.ofMillis(1), ClientLoad::get)) {
                // Five timeouts in a row (Envoy's consecutive failures), 300 ms each, three clients.
                await().atMost(Duration.ofSeconds(5)).until(e::ejected);
                assertThat(e.healthy()).as("no active check ran").isTrue();
                int reached = proxiedRequests(hung);
                long atEjection = load.completed();
                await().atMost(Duration.ofSeconds(5)).until(() -> load.completed() > atEjection + 200);
                load.close();
                assertThat(load.failures()).as("of %d GETs", load.completed()).isEmpty();
                assertThat(reached).as("GETs that reached the hung server before its ejection")
                        .isGreaterThanOrEqualTo(5);
                // At most the requests already on their way when it was ejected; none after.
                assertThat(proxiedRequests(hung)).as("GETs that reached it in all (%d before the ejection)", reached)
                        .isLessThanOrEqualTo(reached + 3);
                assertThat(e.ejected()).isTrue();
            }
        }
    }

    /** Requests from clients (not health checks) that reached {@code backend}. */
    private static int proxiedRequests(TestBackend backend) {
        return (int) backend.recordedRequests().stream().filter(r -> r.uri().startsWith("/load/")).count();
    }

    private static Endpoint endpoint(HalbFixture halb, String name) {
        return halb.halb().endpoints("web").stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }
}

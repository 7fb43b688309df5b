package io.halb.health;

import io.halb.balance.Endpoint;
import io.halb.testing.ClientLoad;
import io.halb.testing.HalbFixture;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Passive outlier detection never empties a pool by itself: at most 10% of its servers are ejected
 * at once, but always one may be. With both servers of two failing, one is ejected and the other
 * stays in, and clients get prompt answers that say what went wrong (502/503), not hangs.
 */
class OutlierEjectionIntegrationTest {

    private static final String TEMPLATE = """
            event_loops: 2
            admin: {bind: "127.0.0.1:0"}
            listeners:
              - {name: web, bind: "127.0.0.1:0", mode: http, pool: web}
            pools:
              - name: web
                algorithm: round_robin
                health: {type: none}
                retries: 2
                servers:
                  - {name: s1, address: "{{s1}}"}
                  - {name: s2, address: "{{s2}}"}
            timeouts: {connect: 1s, header_read: 10s, client_idle: 30s, server: 2s, upstream_idle: 30s, shutdown: 1s}
            """;

    @Test
    void ejectsOnlyOneOfTwoDeadServersAndAnswersEveryRequestWithAReason() throws Exception {
        // Both dead: nothing listens on either port, every connect is refused.
        try (HalbFixture halb = HalbFixture.start(TEMPLATE,
                Map.of("s1", HalbFixture.closedAddress(), "s2", HalbFixture.closedAddress()))) {
            List<Endpoint> endpoints = halb.halb().endpoints("web");
            AtomicInteger mostEjected = new AtomicInteger();
            Thread watcher = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    int n = (int) endpoints.stream().filter(Endpoint::ejected).count();
                    mostEjected.accumulateAndGet(n, Math::max);
                    // Ejections last 30 s here, so a sample every 0.2 ms sees every one of them.
                    LockSupport.parkNanos(200_000);
                }
            }, "ejection-watcher");
            watcher.setDaemon(true);
            watcher.start();
            try {
                ClientLoad load = ClientLoad.start(halb.address("web"), 4, Duration.ZERO, 200, Duration.ofSeconds(3),
                        ClientLoad::get);
                assertThat(load.awaitDone(Duration.ofSeconds(20))).as("every request answered").isTrue();
                load.close();
                await().atMost(Duration.ofSeconds(2)).until(() -> endpoints.stream().anyMatch(Endpoint::ejected));

                List<ClientLoad.Outcome> outcomes = load.outcomes();
                assertThat(outcomes).hasSize(200);
                assertThat(outcomes).allSatisfy(o -> {
                    assertThat(o.status()).as("%s", o).isIn(502, 503);
                    assertThat(o.backend()).as("answered by halb itself: %s", o).isEqualTo("halb");
                    assertThat(o.detail()).as("the reason: %s", o)
                            .matches("502 Bad Gateway: cannot connect to server s[12] \\(127\\.0\\.0\\.1:\\d+\\): "
                                    + "connection refused|503 Service Unavailable: no server available in pool web");
                    assertThat(o.elapsedNanos()).as("answered promptly: %s", o).isLessThan(TimeUnit.SECONDS.toNanos(1));
                });
            } finally {
                watcher.interrupt();
                watcher.join(1000);
            }
            assertThat(mostEjected.get()).as("servers ejected at once (10% of 2, but at least one)").isEqualTo(1);
            assertThat(endpoints).filteredOn(Endpoint::ejected).hasSize(1);
        }
    }
}

package io.halb.health;

import io.halb.balance.Endpoint;
import io.halb.balance.ServerState;
import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A backup server ({@code backup: true}) takes requests only while no primary can: it gets nothing
 * while a primary is up, everything when both are down (by failed checks or in maintenance), and
 * when the backup is down too the client gets a 503 that names the pool.
 */
class BackupServerIntegrationTest {

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
                  - {name: p1, address: "{{p1}}"}
                  - {name: p2, address: "{{p2}}"}
                  - {name: spare, address: "{{spare}}", backup: true}
            timeouts: {connect: 1s, header_read: 10s, client_idle: 30s, server: 5s, upstream_idle: 30s, shutdown: 1s}
            """;

    /** halb's own answer: status line words, then the reason, on one line. */
    private static final String NO_SERVER = "503 Service Unavailable: no server available in pool web";

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closeables.add(c);
        return c;
    }

    @Test
    void theBackupServesEverythingOnceHealthChecksFindBothPrimariesDown() throws Exception {
        TestBackend p1 = TestBackend.start("p1");
        AutoCloseable killP1 = closeLater(once(p1));
        TestBackend p2 = TestBackend.start("p2");
        AutoCloseable killP2 = closeLater(once(p2));
        TestBackend spare = TestBackend.start("spare");
        AutoCloseable killSpare = closeLater(once(spare));
        HalbFixture halb = closeLater(HalbFixture.start(TEMPLATE, Map.of("p1", p1, "p2", p2, "spare", spare,
                "health", "{type: tcp, interval: 100ms, timeout: 100ms, fall: 2, rise: 1}")));
        assertThat(send(halb, 40)).containsOnlyKeys("p1", "p2");
        assertThat(spare.requests()).as("the backup while the primaries are up").isZero();

        killP1.close();
        killP2.close();
        await().atMost(Duration.ofSeconds(3)).until(() ->
                !endpoint(halb, "p1").healthy() && !endpoint(halb, "p2").healthy());
        assertThat(send(halb, 40)).containsOnly(Map.entry("spare", 40));

        killSpare.close();
        await().atMost(Duration.ofSeconds(3)).until(() -> !endpoint(halb, "spare").healthy());
        try (RawClient client = halb.connect("web")) {
            RawResponse r = client.write(RawClient.get("app.test", "/nothing-left")).readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(503);
            assertThat(r.bodyText().trim()).isEqualTo(NO_SERVER);
        }
    }

    @Test
    void theBackupServesEverythingWhileBothPrimariesAreInMaintenanceAndNothingIsLeftMeans503() throws Exception {
        try (TestBackend p1 = TestBackend.start("p1");
             TestBackend p2 = TestBackend.start("p2");
             TestBackend spare = TestBackend.start("spare");
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("p1", p1, "p2", p2, "spare", spare,
                     "health", "{type: none}"))) {
            assertThat(send(halb, 20)).containsOnlyKeys("p1", "p2");

            endpoint(halb, "p1").state(ServerState.MAINT);
            assertThat(send(halb, 20)).as("one primary left").containsOnly(Map.entry("p2", 20));
            endpoint(halb, "p2").state(ServerState.MAINT);
            assertThat(send(halb, 20)).containsOnly(Map.entry("spare", 20));

            endpoint(halb, "spare").state(ServerState.MAINT);
            try (RawClient client = halb.connect("web")) {
                for (int i = 0; i < 3; i++) {
                    RawResponse r = client.write(RawClient.get("app.test", "/nothing-left/" + i)).readResponse();
                    assertThat(r.status()).as("%s", r).isEqualTo(503);
                    assertThat(r.bodyText().trim()).isEqualTo(NO_SERVER);
                }
            }

            endpoint(halb, "p1").state(ServerState.UP);
            assertThat(send(halb, 20)).as("a primary back: the backup is idle again").containsOnly(Map.entry("p1", 20));
            int spareBefore = spare.requests();
            endpoint(halb, "spare").state(ServerState.UP);
            assertThat(send(halb, 20)).containsOnly(Map.entry("p1", 20));
            assertThat(spare.requests()).isEqualTo(spareBefore);
        }
    }

    /** {@code n} GETs on one connection; the answering backends and how often. Every answer must be 200. */
    private static Map<String, Integer> send(HalbFixture halb, int n) throws Exception {
        Map<String, Integer> counts = new TreeMap<>();
        try (RawClient client = halb.connect("web")) {
            for (int i = 0; i < n; i++) {
                RawResponse r = client.write(RawClient.get("app.test", "/backup/" + i)).readResponse();
                assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
                counts.merge(r.header("X-Backend").orElseThrow(), 1, Integer::sum);
            }
        }
        return counts;
    }

    /**
     * Closes {@code c} the first time only, so a backend killed by the test is not closed again by
     * try-with-resources (a TestBackend cannot be closed twice).
     */
    private static AutoCloseable once(AutoCloseable c) {
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                c.close();
            }
        };
    }

    private static Endpoint endpoint(HalbFixture halb, String name) {
        return halb.halb().endpoints("web").stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }
}

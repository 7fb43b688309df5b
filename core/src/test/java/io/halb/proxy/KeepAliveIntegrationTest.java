package io.halb.proxy;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Upstream keep-alive: halb keeps its server connections open and reuses them (one pool per event
 * loop), so sequential requests cost no new server connection each.
 */
class KeepAliveIntegrationTest {

    /** The templates run two event loops. */
    private static final int EVENT_LOOPS = 2;

    @Test
    void reusesBackendConnectionsForSequentialRequestsOverOneClientConnection() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            for (int i = 0; i < 100; i++) {
                RawResponse r = client.write(RawClient.get("app.test", "/seq/" + i)).readResponse();
                assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("b1 GET /seq/" + i);
            }
            assertThat(backend.requests()).isEqualTo(100);
            assertThat(backend.connections()).as("backend connections for 100 sequential requests")
                    .isLessThanOrEqualTo(EVENT_LOOPS);
        }
    }

    @Test
    void reusesBackendConnectionsAcrossSeveralClientConnectionsUsedInTurn() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend))) {
            List<RawClient> clients = new ArrayList<>();
            try {
                for (int c = 0; c < 4; c++) {
                    clients.add(halb.connect("web"));
                }
                for (int i = 0; i < 100; i++) {
                    RawClient client = clients.get(i % clients.size());
                    RawResponse r = client.write(RawClient.get("app.test", "/turn/" + i)).readResponse();
                    assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
                }
            } finally {
                clients.forEach(RawClient::close);
            }
            assertThat(backend.requests()).isEqualTo(100);
            assertThat(backend.connections()).as("one request at a time: at most one per event loop")
                    .isLessThanOrEqualTo(EVENT_LOOPS);
        }
    }

    @Test
    void concurrentClientsOpenAtMostOneBackendConnectionPerEventLoopAndClient() throws Exception {
        int concurrency = 4;
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend))) {
            List<Future<Integer>> done = new ArrayList<>();
            for (int c = 0; c < concurrency; c++) {
                int id = c;
                done.add(pool.submit(() -> {
                    int ok = 0;
                    try (RawClient client = halb.connect("web")) {
                        for (int i = 0; i < 25; i++) {
                            RawResponse r = client.write(RawClient.get("app.test", "/c" + id + "/" + i)).readResponse();
                            if (r.status() == 200 && r.bodyText().equals("b1 GET /c" + id + "/" + i)) {
                                ok++;
                            }
                        }
                    }
                    return ok;
                }));
            }
            for (Future<Integer> f : done) {
                assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(25);
            }
            assertThat(backend.requests()).isEqualTo(100);
            assertThat(backend.connections()).as("backend connections for %d concurrent clients", concurrency)
                    .isLessThanOrEqualTo(EVENT_LOOPS * concurrency);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void keepsTheClientConnectionOpenBetweenRequests() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend), Map.of());
             RawClient client = halb.connect("web")) {
            RawResponse first = client.write(RawClient.get("app.test", "/a")).readResponse();
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.header("Connection").orElse("")).doesNotContainIgnoringCase("close");
            assertThat(client.closedByPeer(java.time.Duration.ofMillis(200))).isFalse();
            assertThat(client.write(RawClient.get("app.test", "/b")).readResponse().status()).isEqualTo(200);
        }
    }
}

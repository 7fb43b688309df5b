package io.halb.proxy;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** max_connections with a bounded queue: requests wait for a slot instead of overloading a server. */
class QueueIntegrationTest {

    // One event loop: two loops could reorder by microseconds two requests released one after the other.
    private static final String TEMPLATE = """
            event_loops: 1
            admin: {bind: "127.0.0.1:0"}
            listeners:
              - {name: web, bind: "127.0.0.1:0", mode: http, pool: web}
            pools:
              - name: web
                max_queue: {{max_queue}}
                queue_timeout: {{queue_timeout}}
                servers:
                  - {name: b1, address: "{{b1}}", max_connections: 2}
            timeouts: {server: 10s}
            """;

    @Test
    void holdsRequestsWhileTheServerIsFullAndReleasesThemInOrder() throws Exception {
        try (TestBackend b1 = TestBackend.builder("b1").delay(Duration.ofMillis(300)).start();
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("b1", b1, "max_queue", 100, "queue_timeout", "10s"))) {
            ExecutorService clients = Executors.newFixedThreadPool(8);
            List<String> completionOrder = new CopyOnWriteArrayList<>();
            List<Future<RawResponse>> answers = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    String path = "/r" + i;
                    answers.add(clients.submit(() -> {
                        try (RawClient c = halb.connect("web")) {
                            RawResponse r = c.write(RawClient.get("app.test", path)).readResponse();
                            completionOrder.add(path);
                            return r;
                        }
                    }));
                    // Arrival order is the order halb sees: wait until this one is in flight or queued.
                    int sent = i + 1;
                    await().atMost(Duration.ofSeconds(5)).until(() -> b1.requestHeads() + queued(halb) >= sent);
                    assertThat(b1.openConnections()).isLessThanOrEqualTo(2);
                }
                for (Future<RawResponse> f : answers) {
                    assertThat(f.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
                }
            } finally {
                clients.shutdownNow();
            }
            // Never more than two at the server at once, and served in arrival order, two by two.
            assertThat(b1.recordedRequests()).extracting(r -> r.uri())
                    .containsExactly("/r0", "/r1", "/r2", "/r3", "/r4", "/r5", "/r6", "/r7");
        }
    }

    @Test
    void answers503WhenTheQueueIsFullOrTheWaitTooLong() throws Exception {
        try (TestBackend b1 = TestBackend.builder("b1").delay(Duration.ofMillis(1500)).start();
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("b1", b1, "max_queue", 1, "queue_timeout", "300ms"))) {
            ExecutorService clients = Executors.newFixedThreadPool(4);
            try {
                List<Future<RawResponse>> answers = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    String path = "/q" + i;
                    answers.add(clients.submit(() -> {
                        try (RawClient c = halb.connect("web")) {
                            return c.write(RawClient.get("app.test", path)).readResponse();
                        }
                    }));
                    int sent = i + 1;
                    await().atMost(Duration.ofSeconds(5)).until(() -> b1.requestHeads() + queued(halb) >= Math.min(sent, 3)
                            || answers.stream().filter(Future::isDone).count() > 0);
                }
                List<Integer> statuses = new ArrayList<>();
                List<String> bodies = new ArrayList<>();
                for (Future<RawResponse> f : answers) {
                    RawResponse r = f.get(20, TimeUnit.SECONDS);
                    statuses.add(r.status());
                    bodies.add(r.bodyText());
                }
                assertThat(statuses).containsOnly(200, 503);
                assertThat(statuses.stream().filter(s -> s == 200)).hasSize(2);
                assertThat(bodies).anySatisfy(b -> assertThat(b).contains("queue", "pool web"));
            } finally {
                clients.shutdownNow();
            }
        }
    }

    private static int queued(HalbFixture halb) {
        return halb.halb().queued("web");
    }
}

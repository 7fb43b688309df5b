package io.halb.health;

import io.halb.testing.ClientLoad;
import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RecordedRequest;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A POST is not idempotent: when the server it went to resets the connection after reading it, the
 * client gets a 502 and the POST is not sent anywhere else, since the first server may have acted
 * on it. Counted at the servers, by a unique id per request: no POST arrives twice.
 */
class PostDeliveryIntegrationTest {

    private static final int POSTS = 200;

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
                  - {name: resetter, address: "{{reset}}"}
                  - {name: ok, address: "{{ok}}"}
            timeouts: {connect: 1s, header_read: 10s, client_idle: 30s, server: 5s, upstream_idle: 30s, shutdown: 1s}
            """;

    @Test
    void neverDeliversAPostTwiceWhileAServerResetsConnectionsAfterReadingThem() throws Exception {
        try (TestBackend reset = TestBackend.builder("resetter").mode(TestBackend.Mode.RESET).start();
             TestBackend ok = TestBackend.start("ok");
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("reset", reset, "ok", ok))) {
            ClientLoad load = ClientLoad.start(halb.address("web"), 4, Duration.ZERO, POSTS, Duration.ofSeconds(5),
                    (thread, seq) -> RawClient.request("POST", "app.test", "/orders", "X-Request-Id: post-" + seq,
                            "Content-Type: text/plain", "Content-Length: 11") + "order " + String.format("%05d", seq));
            assertThat(load.awaitDone(Duration.ofSeconds(20))).as("all POSTs answered").isTrue();
            load.close();

            List<ClientLoad.Outcome> outcomes = load.outcomes();
            assertThat(outcomes).hasSize(POSTS);
            assertThat(outcomes).allSatisfy(o -> assertThat(o.status()).as("%s", o).isIn(200, 502));

            List<RecordedRequest> delivered = new ArrayList<>(reset.recordedRequests());
            delivered.addAll(ok.recordedRequests());
            Map<String, List<String>> byId = new TreeMap<>();
            for (RecordedRequest r : delivered) {
                String id = r.header("X-Request-Id").orElse("(none)");
                byId.computeIfAbsent(id, k -> new ArrayList<>()).add(r.backend());
            }
            Map<String, List<String>> twice = byId.entrySet().stream().filter(e -> e.getValue().size() > 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            assertThat(twice).as("POSTs delivered more than once (id -> servers)").isEmpty();
            assertThat(byId).doesNotContainKey("(none)");

            long answered = outcomes.stream().filter(ClientLoad.Outcome::ok).count();
            long refused = outcomes.stream().filter(o -> o.status() == 502).count();
            assertThat(ok.requests()).as("each 200 is a POST the good server got once").isEqualTo(answered);
            assertThat(reset.requestHeads()).as("the resetting server got some POSTs").isPositive();
            assertThat(refused).as("each POST the resetting server took is a 502, nothing more")
                    .isEqualTo(reset.requestHeads());
            assertThat(outcomes).filteredOn(o -> o.status() == 502)
                    .allSatisfy(o -> assertThat(o.detail())
                            .startsWith("502 Bad Gateway: server resetter ").endsWith("before answering"));
        }
    }
}

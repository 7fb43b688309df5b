package io.halb.proxy;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Requests are spread over a pool's servers as its algorithm says. */
class BalancingIntegrationTest {

    @Test
    void roundRobinTakesTurnsOverThreeBackends() throws Exception {
        try (TestBackend a = TestBackend.start("a");
             TestBackend b = TestBackend.start("b");
             TestBackend c = TestBackend.start("c");
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, a, b, c));
             RawClient client = halb.connect("web")) {
            List<String> order = names(client, 30);
            assertThat(count(order)).containsEntry("a", 10).containsEntry("b", 10).containsEntry("c", 10);
            for (int i = 0; i + 3 <= order.size(); i++) {
                assertThat(new HashSet<>(order.subList(i, i + 3))).as("turns %d..%d of %s", i, i + 2, order)
                        .hasSize(3);
            }
        }
    }

    @Test
    void weightedRoundRobinFollowsWeightsOneTwoThree() throws Exception {
        try (TestBackend a = TestBackend.start("a");
             TestBackend b = TestBackend.start("b");
             TestBackend c = TestBackend.start("c");
             HalbFixture halb = HalbFixture.start("""
                     event_loops: 2
                     admin: {bind: "127.0.0.1:0"}
                     listeners:
                       - {name: web, bind: "127.0.0.1:0", pool: web}
                     pools:
                       - name: web
                         algorithm: weighted_round_robin
                         servers:
                           - {name: a, address: "{{a}}", weight: 1}
                           - {name: b, address: "{{b}}", weight: 2}
                           - {name: c, address: "{{c}}", weight: 3}
                     """, Map.of("a", a, "b", b, "c", c));
             RawClient client = halb.connect("web")) {
            Map<String, Integer> counts = count(names(client, 600));
            assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(600);
            assertThat(counts.getOrDefault("a", 0) / 600.0).as("share of a in %s", counts).isCloseTo(1 / 6.0, within(0.03));
            assertThat(counts.getOrDefault("b", 0) / 600.0).as("share of b in %s", counts).isCloseTo(2 / 6.0, within(0.03));
            assertThat(counts.getOrDefault("c", 0) / 600.0).as("share of c in %s", counts).isCloseTo(3 / 6.0, within(0.03));
            assertThat(a.requests() + b.requests() + c.requests()).isEqualTo(600);
        }
    }

    /** Sends {@code n} sequential requests and returns the name of the backend that answered each. */
    private static List<String> names(RawClient client, int n) throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RawResponse r = client.write(RawClient.get("app.test", "/rr/" + i)).readResponse();
            assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
            names.add(r.bodyText().split(" ", 2)[0]);
        }
        return names;
    }

    private static Map<String, Integer> count(List<String> names) {
        Map<String, Integer> counts = new TreeMap<>();
        names.forEach(n -> counts.merge(n, 1, Integer::sum));
        return counts;
    }
}

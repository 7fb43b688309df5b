package io.halb.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.halb.config.Algorithm;

import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

import org.junit.jupiter.api.Test;

class LeastResponseTimeBalancerTest {

    private static final long MILLI = 1_000_000;

    @Test
    void sendsMostTrafficAwayFromATenTimesSlowerServer() {
        Servers servers = Servers.equal(3);
        Balancer balancer = servers.balancer(Algorithm.LEAST_RESPONSE_TIME);
        Map<String, Long> latency = Map.of("s0", MILLI, "s1", MILLI, "s2", 10 * MILLI);

        Map<String, Integer> counts = simulate(balancer, latency, 20_000, 4 * MILLI / 10);

        // Served in proportion to speed (10:10:1) the slow one gets under 5%; allow 8%.
        assertThat(counts.get("s2")).isLessThan(20_000 * 8 / 100);
        assertThat(counts.get("s0") + counts.get("s1")).isGreaterThan(20_000 * 90 / 100);
    }

    @Test
    void scoresAServerWithoutSamplesAsThePoolAverage() {
        Servers servers = Servers.equal(3);
        Balancer balancer = servers.balancer(Algorithm.LEAST_RESPONSE_TIME);
        for (int i = 0; i < 2; i++) {
            servers.get(i).onStart();
            servers.get(i).onFinish(2 * MILLI, true);
        }

        // Nothing finishes: with equal times each server should hold a third, not the new one all.
        for (int i = 0; i < 300; i++) {
            balancer.pick(Requests.any()).onStart();
        }

        assertThat(servers.endpoints()).allSatisfy(e -> assertThat(e.inFlight()).isBetween(99, 101));
    }

    @Test
    void actsAsLeastConnectionsBeforeAnySample() {
        Servers servers = Servers.equal(3);
        Balancer balancer = servers.balancer(Algorithm.LEAST_RESPONSE_TIME);
        servers.get(0).onStart();
        servers.get(0).onStart();
        servers.get(2).onStart();

        assertThat(balancer.pick(Requests.any()).name()).isEqualTo("s1");
    }

    /**
     * Sends {@code requests} arriving every {@code intervalNanos} of simulated time; each takes its
     * server's latency and reports it when it ends.
     */
    static Map<String, Integer> simulate(Balancer balancer, Map<String, Long> latency, int requests,
                                         long intervalNanos) {
        record Done(long at, Endpoint endpoint, long elapsed) {}
        PriorityQueue<Done> running = new PriorityQueue<>((a, b) -> Long.compare(a.at(), b.at()));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            long now = i * intervalNanos;
            while (!running.isEmpty() && running.peek().at() <= now) {
                Done d = running.poll();
                d.endpoint().onFinish(d.elapsed(), true);
            }
            Endpoint e = balancer.pick(Requests.any());
            e.onStart();
            long elapsed = latency.get(e.name());
            running.add(new Done(now + elapsed, e, elapsed));
            counts.merge(e.name(), 1, Integer::sum);
        }
        running.forEach(d -> d.endpoint().onFinish(d.elapsed(), true));
        return counts;
    }
}

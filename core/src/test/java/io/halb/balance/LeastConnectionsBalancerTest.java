package io.halb.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.halb.config.Algorithm;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class LeastConnectionsBalancerTest {

    @Test
    void choosesTheServerWithFewestInFlight() {
        Servers servers = Servers.equal(3);
        Balancer balancer = servers.balancer(Algorithm.LEAST_CONNECTIONS);
        start(servers.get(0), 3);
        start(servers.get(1), 1);
        start(servers.get(2), 2);

        for (int i = 0; i < 10; i++) {
            assertThat(balancer.pick(Requests.any()).name()).isEqualTo("s1");
        }
    }

    @Test
    void breaksTiesInTurn() {
        Servers servers = Servers.equal(3);
        Balancer balancer = servers.balancer(Algorithm.LEAST_CONNECTIONS);

        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            picks.add(balancer.pick(Requests.any()).name());
        }

        assertThat(picks.subList(0, 3)).containsExactlyInAnyOrder("s0", "s1", "s2");
        assertThat(picks.subList(3, 6)).containsExactlyInAnyOrder("s0", "s1", "s2");
    }

    @Test
    void spreadsLoadEvenlyWhenRequestsStayInFlight() {
        Servers servers = Servers.weighted(1, 2, 3);
        Balancer balancer = servers.balancer(Algorithm.LEAST_CONNECTIONS);

        for (int i = 0; i < 600; i++) {
            balancer.pick(Requests.any()).onStart();
        }

        assertThat(servers.endpoints()).allSatisfy(e -> assertThat(e.inFlight()).isEqualTo(200));
    }

    @Test
    void weightedFillsServersInProportionToWeight() {
        Servers servers = Servers.weighted(1, 2, 3);
        Balancer balancer = servers.balancer(Algorithm.WEIGHTED_LEAST_CONNECTIONS);

        for (int i = 0; i < 600; i++) {
            balancer.pick(Requests.any()).onStart();
        }

        assertThat(servers.get(0).inFlight()).isEqualTo(100);
        assertThat(servers.get(1).inFlight()).isEqualTo(200);
        assertThat(servers.get(2).inFlight()).isEqualTo(300);
    }

    @Test
    void weightedSendsTheFirstRequestToTheHeaviestIdleServer() {
        Servers servers = Servers.weighted(1, 3, 2);
        Balancer balancer = servers.balancer(Algorithm.WEIGHTED_LEAST_CONNECTIONS);

        assertThat(balancer.pick(Requests.any()).name()).isEqualTo("s1");
    }

    @Test
    void weightedFollowsWeightChangesAtRunTime() {
        Servers servers = Servers.weighted(1, 1);
        Balancer balancer = servers.balancer(Algorithm.WEIGHTED_LEAST_CONNECTIONS);
        servers.get(1).weight(4);

        for (int i = 0; i < 500; i++) {
            balancer.pick(Requests.any()).onStart();
        }

        assertThat(servers.get(0).inFlight()).isEqualTo(100);
        assertThat(servers.get(1).inFlight()).isEqualTo(400);
    }

    private static void start(Endpoint e, int requests) {
        for (int i = 0; i < requests; i++) {
            e.onStart();
        }
    }
}

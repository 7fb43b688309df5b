package io.halb.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.halb.config.Algorithm;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RandomBalancerTest {

    /** Independent draws: 60,000 of them keep 2 points above 6 standard deviations. */
    private static final int PICKS = 60_000;

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"RANDOM", "RESOURCE_BASED"})
    void sharesFollowWeights(Algorithm algorithm) {
        Servers servers = Servers.weighted(1, 2, 3);
        Map<String, Integer> counts = Servers.count(servers.balancer(algorithm), Requests.any(), PICKS);

        assertThat(share(counts, "s0")).isCloseTo(100.0 / 6, within(2.0));
        assertThat(share(counts, "s1")).isCloseTo(200.0 / 6, within(2.0));
        assertThat(share(counts, "s2")).isCloseTo(300.0 / 6, within(2.0));
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"RANDOM", "RESOURCE_BASED"})
    void followsWeightsSetAtRunTime(Algorithm algorithm) {
        Servers servers = Servers.equal(2);
        Balancer balancer = servers.balancer(algorithm);
        servers.get(0).weight(9);

        Map<String, Integer> counts = Servers.count(balancer, Requests.any(), PICKS);

        assertThat(share(counts, "s0")).isCloseTo(90.0, within(2.0));
    }

    @Test
    void powerOfTwoHoldsInFlightInProportionToWeight() {
        Servers servers = Servers.weighted(1, 2, 3);
        Balancer balancer = servers.balancer(Algorithm.POWER_OF_TWO);

        for (int i = 0; i < 6_000; i++) {
            balancer.pick(Requests.any()).onStart();
        }

        // Each pick compares two servers' load per weight, so the loads stay close to 1:2:3.
        assertThat(servers.get(0).inFlight() / 60.0).isCloseTo(100.0 / 6, within(2.0));
        assertThat(servers.get(1).inFlight() / 60.0).isCloseTo(200.0 / 6, within(2.0));
        assertThat(servers.get(2).inFlight() / 60.0).isCloseTo(300.0 / 6, within(2.0));
    }

    @Test
    void powerOfTwoFollowsWeightsSetAtRunTime() {
        Servers servers = Servers.equal(2);
        Balancer balancer = servers.balancer(Algorithm.POWER_OF_TWO);
        servers.get(0).weight(9);

        for (int i = 0; i < 1_000; i++) {
            balancer.pick(Requests.any()).onStart();
        }

        assertThat(servers.get(0).inFlight()).isBetween(890, 910);
    }

    private static double share(Map<String, Integer> counts, String name) {
        return counts.getOrDefault(name, 0) * 100.0 / PICKS;
    }
}

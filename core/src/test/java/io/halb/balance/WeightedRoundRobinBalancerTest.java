package io.halb.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.halb.config.Algorithm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class WeightedRoundRobinBalancerTest {

    @Test
    void sharesFollowWeights() {
        Servers servers = Servers.weighted(1, 2, 3);
        Map<String, Integer> counts = Servers.count(servers.balancer(Algorithm.WEIGHTED_ROUND_ROBIN),
                Requests.any(), 6_000);

        assertThat(counts.get("s0") / 60.0).isCloseTo(100.0 / 6, within(2.0));
        assertThat(counts.get("s1") / 60.0).isCloseTo(200.0 / 6, within(2.0));
        assertThat(counts.get("s2") / 60.0).isCloseTo(300.0 / 6, within(2.0));
    }

    @Test
    void interleavesInsteadOfBursting() {
        Servers servers = Servers.weighted(5, 1, 1);
        Balancer balancer = servers.balancer(Algorithm.WEIGHTED_ROUND_ROBIN);

        List<String> picks = picks(balancer, 70);

        assertThat(longestRun(picks)).isLessThanOrEqualTo(3);
        assertThat(picks.subList(0, 7)).containsExactly("s0", "s1", "s0", "s0", "s2", "s0", "s0");
    }

    @Test
    void neverGivesAServerMoreThanItsFairRun() {
        Servers servers = Servers.weighted(100, 1, 1, 1, 1);
        List<String> picks = picks(servers.balancer(Algorithm.WEIGHTED_ROUND_ROBIN), 1_040);

        // 100 turns among 4 others: runs of at most ceil(100 / 4) + 1.
        assertThat(longestRun(picks)).isLessThanOrEqualTo(26);
        assertThat(picks.stream().filter("s0"::equals).count()).isEqualTo(1_000);
    }

    @Test
    void followsWeightChangesAtRunTime() {
        Servers servers = Servers.weighted(1, 1);
        Balancer balancer = servers.balancer(Algorithm.WEIGHTED_ROUND_ROBIN);
        assertThat(Servers.count(balancer, Requests.any(), 1_000)).containsEntry("s0", 500);

        servers.get(0).weight(3);

        assertThat(Servers.count(balancer, Requests.any(), 1_000)).containsEntry("s0", 750);
    }

    @Test
    void givesADownServersTurnsToTheOthersInProportion() {
        Servers servers = Servers.weighted(1, 1, 2);
        Balancer balancer = servers.balancer(Algorithm.WEIGHTED_ROUND_ROBIN);
        servers.get(1).state(ServerState.DOWN);

        Map<String, Integer> counts = Servers.count(balancer, Requests.any(), 3_000);

        assertThat(counts).containsOnlyKeys("s0", "s2").containsEntry("s0", 1_000).containsEntry("s2", 2_000);

        servers.get(1).state(ServerState.UP);
        assertThat(Servers.count(balancer, Requests.any(), 4_000)).containsEntry("s1", 1_000);
    }

    @Test
    void keepsTheScheduleWhenAServerGoesDownAndComesBack() {
        Servers servers = Servers.weighted(3, 2, 1, 1);
        WeightedRoundRobinBalancer.Schedule first = WeightedRoundRobinBalancer.Schedule.of(servers.endpoints(), null);

        servers.get(0).state(ServerState.DOWN);
        WeightedRoundRobinBalancer.Schedule down = WeightedRoundRobinBalancer.Schedule.of(servers.endpoints(), first);
        servers.get(0).state(ServerState.UP);
        WeightedRoundRobinBalancer.Schedule back = WeightedRoundRobinBalancer.Schedule.of(servers.endpoints(), down);
        servers.get(1).weight(5);
        WeightedRoundRobinBalancer.Schedule reweighted =
                WeightedRoundRobinBalancer.Schedule.of(servers.endpoints(), back);

        assertThat(down.order).isSameAs(first.order);
        assertThat(down.tier.size()).isEqualTo(3);
        assertThat(back.order).isSameAs(first.order);
        assertThat(reweighted.order).isNotSameAs(first.order).hasSize(10);
    }

    @Test
    void keepsProportionsWhileMostOfTheWeightIsDown() {
        Servers servers = Servers.weighted(4, 1, 1, 2);
        Balancer balancer = servers.balancer(Algorithm.WEIGHTED_ROUND_ROBIN);
        servers.get(0).state(ServerState.DOWN);
        servers.get(1).state(ServerState.DOWN);

        Map<String, Integer> counts = Servers.count(balancer, Requests.any(), 3_000);

        assertThat(counts).containsOnly(Map.entry("s2", 1_000), Map.entry("s3", 2_000));
    }

    @Test
    void buildsLargeSchedulesExactly() {
        int[] weights = new int[1_000];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = 1 + i % 256;
        }
        Servers servers = Servers.weighted(weights);
        Tier tier = Tier.of(servers.endpoints());

        int[] order = WeightedRoundRobinBalancer.Schedule.order(tier);

        int[] turns = new int[weights.length];
        for (int index : order) {
            turns[index]++;
        }
        assertThat(turns).containsExactly(weights);
    }

    @Test
    void keepsEveryServerWithinOneTurnOfItsShareAtEveryPoint() {
        java.util.Random random = new java.util.Random(7);
        for (int round = 0; round < 20; round++) {
            int[] weights = random.ints(2 + random.nextInt(30), 1, 257).toArray();
            int[] order = WeightedRoundRobinBalancer.Schedule.order(Tier.of(Servers.weighted(weights).endpoints()));
            long total = java.util.Arrays.stream(weights).sum();
            int[] turns = new int[weights.length];
            double worst = 0;
            for (int j = 0; j < order.length; j++) {
                turns[order[j]]++;
                for (int i = 0; i < weights.length; i++) {
                    worst = Math.max(worst, Math.abs(turns[i] - (j + 1.0) * weights[i] / total));
                }
            }
            assertThat(worst).as("weights %s", java.util.Arrays.toString(weights)).isLessThan(1.0);
        }
    }

    static List<String> picks(Balancer balancer, int n) {
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            picks.add(balancer.pick(Requests.any()).name());
        }
        return picks;
    }

    static int longestRun(List<String> picks) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < picks.size(); i++) {
            run = i > 0 && picks.get(i).equals(picks.get(i - 1)) ? run + 1 : 1;
            longest = Math.max(longest, run);
        }
        return longest;
    }
}

package io.halb.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.halb.config.Algorithm;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What every algorithm promises, whatever it optimises: state, weight 0, backups, tried, threads. */
class BalancerContractTest {

    /** Varies the hash keys so hash algorithms spread too. */
    private static Requests request(int i) {
        return Requests.from("10.0." + (i >> 8 & 255) + "." + (i & 255))
                .uri("/item/" + i + "?q=" + i)
                .header("x-user", "u" + i)
                .cookie("session", "c" + i);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void neverChoosesDownDrainingMaintainedOrZeroWeightServers(Algorithm algorithm) {
        Servers servers = Servers.weighted(1, 2, 3, 1, 2);
        Balancer balancer = servers.balancer(algorithm);
        servers.get(0).state(ServerState.DOWN);
        servers.get(1).state(ServerState.DRAIN);
        servers.get(2).state(ServerState.MAINT);
        servers.get(3).weight(0);

        Set<String> chosen = new HashSet<>();
        for (int i = 0; i < 2_000; i++) {
            chosen.add(balancer.pick(request(i)).name());
        }

        assertThat(chosen).containsExactly("s4");
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void choosesBackupsOnlyWhenNoPrimaryIsAvailable(Algorithm algorithm) {
        Servers servers = Servers.weighted(1, 1).backup("b0").backup("b1");
        Balancer balancer = servers.balancer(algorithm);

        Set<String> chosen = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            chosen.add(balancer.pick(request(i)).name());
        }
        assertThat(chosen).containsExactlyInAnyOrder("s0", "s1");

        servers.get("s0").state(ServerState.DOWN);
        chosen.clear();
        for (int i = 0; i < 1_000; i++) {
            chosen.add(balancer.pick(request(i)).name());
        }
        assertThat(chosen).containsExactly("s1");

        servers.get("s1").state(ServerState.MAINT);
        chosen.clear();
        for (int i = 0; i < 1_000; i++) {
            chosen.add(balancer.pick(request(i)).name());
        }
        assertThat(chosen).as("balances among backups").containsExactlyInAnyOrder("b0", "b1");

        servers.get("s0").state(ServerState.UP);
        chosen.clear();
        for (int i = 0; i < 1_000; i++) {
            chosen.add(balancer.pick(request(i)).name());
        }
        assertThat(chosen).as("a primary is back").containsExactly("s0");
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void returnsNullWhenNothingIsAvailable(Algorithm algorithm) {
        Servers servers = Servers.weighted(1, 2).backup("b0");
        Balancer balancer = servers.balancer(algorithm);
        servers.get(0).state(ServerState.DOWN);
        servers.get(1).weight(0);
        servers.get(2).state(ServerState.DRAIN);

        assertThat(balancer.pick(request(1))).isNull();
        assertThat(Servers.of().balancer(algorithm).pick(request(1))).isNull();

        servers.get(2).state(ServerState.UP);
        assertThat(balancer.pick(request(1)).name()).isEqualTo("b0");
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void prefersAServerNotTriedYet(Algorithm algorithm) {
        Servers servers = Servers.weighted(1, 2, 3);
        Balancer balancer = servers.balancer(algorithm);

        for (int i = 0; i < 500; i++) {
            Requests retry = request(i).failedOn(servers.get(0)).failedOn(servers.get(2));
            assertThat(balancer.pick(retry).name()).isEqualTo("s1");
        }
        Requests everywhere = request(1).failedOn(servers.get(0)).failedOn(servers.get(1)).failedOn(servers.get(2));
        assertThat(balancer.pick(everywhere)).as("a tried server beats none").isNotNull();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void prefersATriedPrimaryToABackup(Algorithm algorithm) {
        Servers servers = Servers.weighted(1).backup("b0");
        Balancer balancer = servers.balancer(algorithm);

        assertThat(balancer.pick(request(1).failedOn(servers.get(0))).name()).isEqualTo("s0");
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void picksConcurrentlyWhileStatesAndWeightsChange(Algorithm algorithm) throws Exception {
        Servers servers = Servers.weighted(1, 2, 3, 4, 5, 6, 7, 8).backup("b0");
        Balancer balancer = servers.balancer(algorithm);
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> pickers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                pickers.add(pool.submit(() -> {
                    start.await();
                    int picked = 0;
                    for (int i = 0; i < 50_000; i++) {
                        Endpoint e = balancer.pick(request(i));
                        if (e != null) {
                            // Its state may have changed since the pick: only load is checked.
                            e.onStart();
                            e.onFinish(1_000 + i % 7_000, true);
                            picked++;
                        }
                    }
                    return picked;
                }));
            }
            Future<?> changer = pool.submit(() -> {
                start.await();
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < 5_000; i++) {
                    Endpoint e = servers.get(random.nextInt(8));
                    e.weight(random.nextInt(0, 10));
                    e.state(ServerState.values()[random.nextInt(ServerState.values().length)]);
                }
                return null;
            });
            start.countDown();
            changer.get(30, TimeUnit.SECONDS);
            for (Future<Integer> picker : pickers) {
                assertThat(picker.get(30, TimeUnit.SECONDS)).isPositive();
            }
        } finally {
            pool.shutdownNow();
        }
        for (Endpoint e : servers.endpoints()) {
            assertThat(e.inFlight()).isZero();
        }
    }
}

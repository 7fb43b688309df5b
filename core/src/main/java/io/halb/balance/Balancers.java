package io.halb.balance;

import io.halb.config.PoolConfig;

import java.util.List;

/** Maps a pool's algorithm to its balancer. */
final class Balancers {

    private Balancers() {}

    static Balancer of(PoolConfig pool, List<Endpoint> endpoints) {
        return switch (pool.algorithm()) {
            case WEIGHTED_ROUND_ROBIN -> WeightedRoundRobinBalancer.of(endpoints);
            default -> RoundRobinBalancer.of(endpoints);
        };
    }
}

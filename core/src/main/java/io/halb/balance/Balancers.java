package io.halb.balance;

import io.halb.config.HashKey;
import io.halb.config.PoolConfig;

import java.util.List;

/** Maps a pool's algorithm to its balancer. */
final class Balancers {

    private Balancers() {}

    static Balancer of(PoolConfig pool, List<Endpoint> endpoints) {
        return switch (pool.algorithm()) {
            case ROUND_ROBIN -> RoundRobinBalancer.of(endpoints);
            case WEIGHTED_ROUND_ROBIN -> WeightedRoundRobinBalancer.of(endpoints);
            case LEAST_CONNECTIONS -> LeastConnectionsBalancer.of(endpoints);
            case WEIGHTED_LEAST_CONNECTIONS -> LeastConnectionsBalancer.ofWeighted(endpoints);
            case LEAST_RESPONSE_TIME -> LeastResponseTimeBalancer.of(endpoints);
            case RANDOM -> RandomBalancer.of(endpoints);
            case POWER_OF_TWO -> PowerOfTwoBalancer.of(endpoints);
            // The agent sets the weights; a weighted draw follows them at O(n) per change.
            case RESOURCE_BASED -> RandomBalancer.of(endpoints);
            // A hash pool without hash_key is a validation error; source_ip is the safe reading.
            case SOURCE_IP_HASH, URI_HASH, HASH -> HashBalancer.of(endpoints,
                    pool.effectiveHashKey().orElseGet(HashKey.SourceIp::new), pool.hashBalanceFactor());
        };
    }
}

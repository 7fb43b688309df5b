package io.halb.balance;

import io.halb.config.Algorithm;
import io.halb.config.HashKey;
import io.halb.config.HealthConfig;
import io.halb.config.HostPort;
import io.halb.config.PersistenceConfig;
import io.halb.config.PoolConfig;
import io.halb.config.ServerConfig;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builds endpoints and pools for balancer tests; no sockets are opened. */
final class Servers {

    private final List<ServerConfig> configs = new ArrayList<>();
    private final List<Endpoint> endpoints = new ArrayList<>();
    private int port = 9001;

    static Servers of() {
        return new Servers();
    }

    /** Primaries named s0, s1, .. with these weights. */
    static Servers weighted(int... weights) {
        Servers servers = new Servers();
        for (int i = 0; i < weights.length; i++) {
            servers.add("s" + i, weights[i], false);
        }
        return servers;
    }

    /** {@code n} primaries of weight 1 named s0, s1, ... */
    static Servers equal(int n) {
        int[] weights = new int[n];
        java.util.Arrays.fill(weights, 1);
        return weighted(weights);
    }

    Servers add(String name, int weight, boolean backup) {
        int p = port++;
        ServerConfig config = new ServerConfig(name, new HostPort("127.0.0.1", p), weight, backup);
        configs.add(config);
        endpoints.add(new Endpoint("pool", config, new InetSocketAddress("127.0.0.1", p)));
        return this;
    }

    Servers backup(String name) {
        return add(name, 1, true);
    }

    List<Endpoint> endpoints() {
        return endpoints;
    }

    Endpoint get(int index) {
        return endpoints.get(index);
    }

    Endpoint get(String name) {
        return endpoints.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }

    PoolConfig pool(Algorithm algorithm) {
        return pool(algorithm, Optional.empty());
    }

    PoolConfig pool(Algorithm algorithm, Optional<HashKey> hashKey) {
        return new PoolConfig("pool", algorithm, hashKey, PersistenceConfig.NONE, HealthConfig.NONE,
                Optional.empty(), 2, configs);
    }

    Balancer balancer(Algorithm algorithm) {
        return Balancer.of(pool(algorithm), endpoints);
    }

    /** Picks {@code picks} times with {@code context} and counts the choices by server name. */
    static Map<String, Integer> count(Balancer balancer, PickContext context, int picks) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            Endpoint e = balancer.pick(context);
            counts.merge(e == null ? "null" : e.name(), 1, Integer::sum);
        }
        return counts;
    }
}

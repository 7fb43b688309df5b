package io.halb.proxy;

import io.halb.balance.Balancer;
import io.halb.balance.Endpoint;
import io.halb.balance.PickContext;
import io.halb.config.PoolConfig;

import java.util.List;

/**
 * A pool as one snapshot serves it: its configuration, its endpoints and the balancer over them.
 * Immutable; a reload builds a new one that shares the endpoints of servers it keeps.
 */
public final class Pool {

    private final PoolConfig config;
    private final List<Endpoint> endpoints;
    private final Balancer balancer;

    public Pool(PoolConfig config, List<Endpoint> endpoints) {
        this.config = config;
        this.endpoints = List.copyOf(endpoints);
        this.balancer = Balancer.of(config, this.endpoints);
    }

    public String name() {
        return config.name();
    }

    public PoolConfig config() {
        return config;
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** A server for this request or connection, or {@code null} when none is available. */
    public Endpoint pick(PickContext context) {
        return balancer.pick(context);
    }
}

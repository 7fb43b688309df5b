package io.halb.balance;

import io.halb.config.PoolConfig;

import java.util.List;

/**
 * Picks the server for a request (http) or connection (tcp) among a pool's endpoints.
 *
 * <p>A balancer is built for one snapshot of a pool from an immutable list of endpoints and is
 * replaced, never mutated, when the pool changes. {@link #pick} is called concurrently from every
 * event loop and must not block; it reads each endpoint's live state and load.
 *
 * <p>Every algorithm honours server state and weight: it never returns an endpoint that is not
 * {@link Endpoint#available()}, prefers one that {@link PickContext#tried(Endpoint) was not tried},
 * and returns a backup server only when no primary is available.
 */
public interface Balancer {

    /** The chosen server, or {@code null} when none is available. */
    Endpoint pick(PickContext context);

    /** The balancer of the pool's algorithm over these endpoints. */
    static Balancer of(PoolConfig pool, List<Endpoint> endpoints) {
        return Balancers.of(pool, endpoints);
    }
}

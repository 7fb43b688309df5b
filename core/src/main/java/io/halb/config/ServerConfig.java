package io.halb.config;

import java.util.Objects;

/**
 * One backend server. Its identity across reloads is its name and address: health state, counters
 * and sticky sessions follow that pair.
 *
 * @param weight relative share, 1..256 (HAProxy's range)
 * @param backup         serves only when no primary server of the pool is available
 * @param maxConnections requests (http) or connections (tcp) in flight at most; 0 = no limit.
 *                       Beyond it, requests wait in the pool's queue.
 */
public record ServerConfig(String name, HostPort address, int weight, boolean backup, int maxConnections) {

    public static final int DEFAULT_WEIGHT = 1;
    public static final int MAX_WEIGHT = 256;

    public ServerConfig {
        Names.check("server name", name);
        Objects.requireNonNull(address, "address");
        if (address.port() == 0) {
            throw new IllegalArgumentException("address: port 0 (expected: the server's port, 1..65535)");
        }
        if (maxConnections < 0 || maxConnections > 1_000_000) {
            throw new IllegalArgumentException("max_connections: " + maxConnections + " (expected: 0..1000000, 0 = no limit)");
        }
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: 1.." + MAX_WEIGHT + ")");
        }
    }

    /** A server without a connection limit. */
    public ServerConfig(String name, HostPort address, int weight, boolean backup) {
        this(name, address, weight, backup, 0);
    }
}

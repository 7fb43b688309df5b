package io.halb.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A pool of backend servers and how traffic is spread over them.
 *
 * @param hashKey   for {@link Algorithm#HASH}: what to hash (the other hash algorithms imply theirs)
 * @param retries   how many other servers a failed request may be tried on
 * @param slowStart    how long a server that comes back up takes to ramp from a small share of the
 *                     traffic to its full weight; {@link Duration#ZERO} = at once
 * @param maxQueue     requests that may wait when every server is at its {@code max_connections}
 * @param queueTimeout how long a request may wait in that queue before it is answered 503
 * @param hashBalanceFactor hash algorithms: no server above this percentage of the average load
 *                     (e.g. 125); 0 = off (pure consistent hashing)
 * @param sendProxy    whether each server connection starts with a PROXY protocol header naming
 *                     the client (such connections carry one client's requests only)
 * @param tls          TLS to the servers (re-encryption); empty: plain TCP
 */
public record PoolConfig(
        String name,
        Algorithm algorithm,
        Optional<HashKey> hashKey,
        PersistenceConfig persistence,
        HealthConfig health,
        Optional<AgentConfig> agent,
        int retries,
        List<ServerConfig> servers,
        Duration slowStart,
        int maxQueue,
        Duration queueTimeout,
        int hashBalanceFactor,
        ProxyProtocol sendProxy,
        Optional<UpstreamTlsConfig> tls) {

    public static final int DEFAULT_MAX_QUEUE = 1024;
    public static final Duration DEFAULT_QUEUE_TIMEOUT = Duration.ofSeconds(5);

    public PoolConfig {
        Names.check("pool name", name);
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(hashKey, "hashKey");
        Objects.requireNonNull(persistence, "persistence");
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(agent, "agent");
        if (retries < 0 || retries > 10) {
            throw new IllegalArgumentException("retries: " + retries + " (expected: 0..10)");
        }
        servers = List.copyOf(servers);
        if (slowStart.isNegative()) {
            throw new IllegalArgumentException("slow_start: " + Durations.format(slowStart) + " (expected: >= 0s)");
        }
        if (maxQueue < 0 || maxQueue > 1_000_000) {
            throw new IllegalArgumentException("max_queue: " + maxQueue + " (expected: 0..1000000)");
        }
        if (queueTimeout.isNegative() || queueTimeout.isZero()) {
            throw new IllegalArgumentException("queue_timeout: " + Durations.format(queueTimeout) + " (expected: > 0s)");
        }
        if (hashBalanceFactor != 0 && (hashBalanceFactor < 100 || hashBalanceFactor > 1000)) {
            throw new IllegalArgumentException("hash_balance_factor: " + hashBalanceFactor + " (expected: 0 = off, or 100..1000)");
        }
        Objects.requireNonNull(sendProxy, "sendProxy");
        Objects.requireNonNull(tls, "tls");
        Set<String> seen = new HashSet<>();
        for (ServerConfig s : servers) {
            if (!seen.add(s.name())) {
                throw new IllegalArgumentException("servers: name '" + s.name() + "' is used twice");
            }
        }
    }

    /** A pool whose servers speak plain TCP (no {@code tls:}). */
    public PoolConfig(String name, Algorithm algorithm, Optional<HashKey> hashKey, PersistenceConfig persistence,
                      HealthConfig health, Optional<AgentConfig> agent, int retries, List<ServerConfig> servers,
                      Duration slowStart, int maxQueue, Duration queueTimeout, int hashBalanceFactor,
                      ProxyProtocol sendProxy) {
        this(name, algorithm, hashKey, persistence, health, agent, retries, servers, slowStart, maxQueue,
                queueTimeout, hashBalanceFactor, sendProxy, Optional.empty());
    }

    /** A pool with the default queue. */
    public PoolConfig(String name, Algorithm algorithm, Optional<HashKey> hashKey, PersistenceConfig persistence,
                      HealthConfig health, Optional<AgentConfig> agent, int retries, List<ServerConfig> servers,
                      Duration slowStart) {
        this(name, algorithm, hashKey, persistence, health, agent, retries, servers, slowStart,
                DEFAULT_MAX_QUEUE, DEFAULT_QUEUE_TIMEOUT, 0, ProxyProtocol.NONE);
    }

    /** A pool without slow start. */
    public PoolConfig(String name, Algorithm algorithm, Optional<HashKey> hashKey, PersistenceConfig persistence,
                      HealthConfig health, Optional<AgentConfig> agent, int retries, List<ServerConfig> servers) {
        this(name, algorithm, hashKey, persistence, health, agent, retries, servers, Duration.ZERO);
    }

    /** This pool with other servers (runtime changes from the admin API). */
    public PoolConfig withServers(List<ServerConfig> servers) {
        return new PoolConfig(name, algorithm, hashKey, persistence, health, agent, retries, servers, slowStart,
                maxQueue, queueTimeout, hashBalanceFactor, sendProxy, tls);
    }

    /** The key the pool's algorithm hashes, if it is a hash algorithm. */
    public Optional<HashKey> effectiveHashKey() {
        return switch (algorithm) {
            case SOURCE_IP_HASH -> Optional.of(new HashKey.SourceIp());
            case URI_HASH -> Optional.of(hashKey.orElse(new HashKey.Uri(false)));
            case HASH -> hashKey;
            default -> Optional.empty();
        };
    }
}

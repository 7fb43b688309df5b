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
 * @param slowStart how long a server that comes back up takes to ramp from a small share of the
 *                  traffic to its full weight; {@link Duration#ZERO} = at once
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
        Duration slowStart) {

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
        Set<String> seen = new HashSet<>();
        for (ServerConfig s : servers) {
            if (!seen.add(s.name())) {
                throw new IllegalArgumentException("servers: name '" + s.name() + "' is used twice");
            }
        }
    }

    /** A pool without slow start. */
    public PoolConfig(String name, Algorithm algorithm, Optional<HashKey> hashKey, PersistenceConfig persistence,
                      HealthConfig health, Optional<AgentConfig> agent, int retries, List<ServerConfig> servers) {
        this(name, algorithm, hashKey, persistence, health, agent, retries, servers, Duration.ZERO);
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

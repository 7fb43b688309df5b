package io.halb.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A listener's protection limits: how many connections it takes, how much one client address may
 * open and ask, what happens over a limit, and which addresses are exempt or refused. The top-level
 * {@code limits:} gives every listener's defaults; a listener's own {@code limits:} overrides them
 * key by key (docs/protection.md).
 *
 * @param maxConnections listener-wide concurrent connections; over it a new connection is closed at
 *                       once; 0 = no limit
 * @param perClient      limits per client address (the address after the PROXY protocol)
 * @param tableSize      client addresses remembered at most; the least recently seen go first
 * @param action         what happens to a client over a per-client limit
 * @param tarpit         how long {@link LimitAction.Tarpit} holds a request before refusing it
 * @param allow          addresses exempt from the per-client limits and the overload threshold
 * @param deny           addresses whose connections are closed at accept
 * @param overload       a listener-wide threshold over which new connections get their own action
 * @param minBodyRate    a request body must arrive at least this fast (bytes per second) while halb
 *                       waits for it; 0 = no minimum
 */
public record LimitsConfig(
        int maxConnections,
        PerClient perClient,
        int tableSize,
        LimitAction action,
        Duration tarpit,
        List<Cidr> allow,
        List<Cidr> deny,
        Optional<Overload> overload,
        DataSize minBodyRate) {

    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final int DEFAULT_TABLE_SIZE = 100_000;

    /** What applies when the configuration says nothing: a connection cap and a body rate, no per-client limits. */
    public static final LimitsConfig DEFAULTS = new LimitsConfig(DEFAULT_MAX_CONNECTIONS, PerClient.NONE,
            DEFAULT_TABLE_SIZE, new LimitAction.Reject(), Duration.ofSeconds(5), List.of(), List.of(),
            Optional.empty(), DataSize.ofKibibytes(1));

    public LimitsConfig {
        if (maxConnections < 0) {
            throw new IllegalArgumentException("max_connections: " + maxConnections + " (expected: >= 0, 0 = no limit)");
        }
        Objects.requireNonNull(perClient, "perClient");
        if (tableSize < 16 || tableSize > 10_000_000) {
            throw new IllegalArgumentException("table_size: " + tableSize + " (expected: 16..10000000)");
        }
        Objects.requireNonNull(action, "action");
        if (tarpit.isNegative() || tarpit.isZero() || tarpit.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("tarpit: " + tarpit + " (expected: > 0 and at most 10m)");
        }
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
        Objects.requireNonNull(overload, "overload");
        Objects.requireNonNull(minBodyRate, "minBodyRate");
    }

    /** The names of the pools an action here sends traffic to. */
    public List<String> divertPools() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(action), overload.stream().map(Overload::action))
                .filter(a -> a instanceof LimitAction.Divert)
                .map(a -> ((LimitAction.Divert) a).pool())
                .distinct()
                .toList();
    }

    /**
     * Limits per client address.
     *
     * @param maxConnections concurrent connections; 0 = no limit
     * @param connectionRate new connections per second
     * @param requestRate    HTTP requests per second
     */
    public record PerClient(int maxConnections, Rate connectionRate, Rate requestRate) {

        public static final PerClient NONE = new PerClient(0, Rate.UNLIMITED, Rate.UNLIMITED);

        public PerClient {
            if (maxConnections < 0) {
                throw new IllegalArgumentException("max_connections: " + maxConnections + " (expected: >= 0, 0 = no limit)");
            }
            Objects.requireNonNull(connectionRate, "connectionRate");
            Objects.requireNonNull(requestRate, "requestRate");
        }
    }

    /**
     * A token bucket: {@code rate} tokens a second, at most {@code burst} saved up.
     *
     * @param rate  per second; 0 = no limit
     * @param burst how many may come at once; at least 1 when limited
     */
    public record Rate(int rate, int burst) {

        public static final Rate UNLIMITED = new Rate(0, 0);

        public Rate {
            if (rate < 0 || rate > 1_000_000) {
                throw new IllegalArgumentException("rate: " + rate + " (expected: 0..1000000 per second, 0 = no limit)");
            }
            if (rate > 0 && (burst < 1 || burst > 10_000_000)) {
                throw new IllegalArgumentException("burst: " + burst + " (expected: 1..10000000)");
            }
        }

        public boolean limited() {
            return rate > 0;
        }
    }

    /**
     * A listener-wide threshold below the hard {@code max_connections}.
     *
     * @param maxConnections connections over which new ones get {@code action}
     */
    public record Overload(int maxConnections, LimitAction action) {
        public Overload {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("max_connections: " + maxConnections + " (expected: >= 1)");
            }
            Objects.requireNonNull(action, "action");
        }
    }
}

package io.halb.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A whole validated configuration: the root of the immutable snapshot a running halb serves from.
 *
 * @param source      the file it was read from (for messages and reload), or a label such as {@code <string>}
 * @param eventLoops  event-loop threads; 0 means one per available core
 * @param accessLog   where to log every request and TCP session; empty = no access log
 */
public record HalbConfig(
        Path source,
        AdminConfig admin,
        int eventLoops,
        List<ListenerConfig> listeners,
        List<PoolConfig> pools,
        Timeouts timeouts,
        Optional<ClusterConfig> cluster,
        Optional<AccessLogConfig> accessLog) {

    public HalbConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(admin, "admin");
        if (eventLoops < 0 || eventLoops > 1024) {
            throw new IllegalArgumentException("event_loops: " + eventLoops + " (expected: 0..1024, 0 = one per core)");
        }
        listeners = List.copyOf(listeners);
        pools = List.copyOf(pools);
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(accessLog, "accessLog");
    }

    /** Without an access log. */
    public HalbConfig(Path source, AdminConfig admin, int eventLoops, List<ListenerConfig> listeners,
            List<PoolConfig> pools, Timeouts timeouts, Optional<ClusterConfig> cluster) {
        this(source, admin, eventLoops, listeners, pools, timeouts, cluster, Optional.empty());
    }

    /** This configuration with other pools (runtime changes from the admin API). */
    public HalbConfig withPools(List<PoolConfig> pools) {
        return new HalbConfig(source, admin, eventLoops, listeners, pools, timeouts, cluster, accessLog);
    }

    /** The pool of that name, if any. */
    public Optional<PoolConfig> pool(String name) {
        return pools.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** The listener of that name, if any. */
    public Optional<ListenerConfig> listener(String name) {
        return listeners.stream().filter(l -> l.name().equals(name)).findFirst();
    }
}

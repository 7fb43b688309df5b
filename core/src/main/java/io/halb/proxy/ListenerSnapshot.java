package io.halb.proxy;

import io.halb.config.ListenerConfig;
import io.halb.config.RouteConfig;
import io.halb.config.Timeouts;
import io.halb.tls.NameTable;
import io.halb.tls.ServerTls;

import java.util.AbstractMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a listener serves in one configuration snapshot: its routes resolved to pools, and the
 * timeouts. Immutable; read by every event loop through the listener's current-snapshot reference.
 */
public final class ListenerSnapshot {

    private final ListenerConfig config;
    private final Timeouts timeouts;
    private final Pool defaultPool;
    private final List<Route> routes;
    private final TrafficObserver observer;
    private final Map<String, Pool> pools;
    /** TLS termination (http listeners with tls:), or null. */
    private final ServerTls tls;
    /** Pass-through routes by server name (tcp listeners with sni_routes:), or null. */
    private final NameTable<Pool> sniRoutes;

    /**
     * @param pools    every pool of the snapshot by name; the configuration was validated, so names resolve
     * @param observer told of every request and session this listener ends
     */
    public ListenerSnapshot(ListenerConfig config, Timeouts timeouts, Map<String, Pool> pools, TrafficObserver observer) {
        this(config, timeouts, pools, observer, null);
    }

    /** @param tls the listener's TLS termination, or {@code null} */
    public ListenerSnapshot(ListenerConfig config, Timeouts timeouts, Map<String, Pool> pools, TrafficObserver observer,
                            ServerTls tls) {
        this.config = config;
        this.tls = tls;
        this.sniRoutes = config.sniRoutes().isEmpty() ? null : NameTable.of(config.sniRoutes().stream()
                .map(r -> (Map.Entry<String, Pool>) new AbstractMap.SimpleImmutableEntry<>(r.sni(), require(pools, r.pool())))
                .toList(), true);
        this.timeouts = timeouts;
        this.observer = observer;
        this.pools = Map.copyOf(pools);
        this.defaultPool = require(pools, config.pool());
        this.routes = config.routes().stream().map(r -> new Route(r, require(pools, r.pool()))).toList();
    }

    private static Pool require(Map<String, Pool> pools, String name) {
        Pool pool = pools.get(name);
        if (pool == null) {
            throw new IllegalArgumentException("pool: '" + name + "' does not exist");
        }
        return pool;
    }

    public ListenerConfig config() {
        return config;
    }

    public Timeouts timeouts() {
        return timeouts;
    }

    public TrafficObserver observer() {
        return observer;
    }

    public Pool defaultPool() {
        return defaultPool;
    }

    /** A pool of the snapshot by name (where limits divert traffic), or the default pool if there is none. */
    public Pool pool(String name) {
        return pools.getOrDefault(name, defaultPool);
    }

    /** TLS termination of this listener, or {@code null} when it serves plain text. */
    public ServerTls tls() {
        return tls;
    }

    /** Whether connections are routed by the ClientHello's server name (TLS pass-through). */
    public boolean routesBySni() {
        return sniRoutes != null;
    }

    /** The pool of the sni_route matching {@code serverName} (null: none sent), else the listener's pool. */
    public Pool routeSni(String serverName) {
        Pool p = sniRoutes == null ? null : sniRoutes.find(serverName);
        return p != null ? p : defaultPool;
    }

    /**
     * The pool of the first route matching the request, else the listener's pool.
     *
     * @param host the Host header as received (may carry a port, may be {@code null})
     * @param path the request target (origin-form path and query, or absolute-form)
     */
    public Pool route(String host, String path) {
        if (routes.isEmpty()) {
            return defaultPool;
        }
        String h = host == null ? null : normalizeHost(host);
        for (Route route : routes) {
            if (route.matches(h, path)) {
                return route.pool;
            }
        }
        return defaultPool;
    }

    /** Lower case, without the port and a trailing dot. */
    static String normalizeHost(String host) {
        String h = host.trim();
        int colon = h.lastIndexOf(':');
        if (colon >= 0 && h.indexOf(']') < colon) {
            h = h.substring(0, colon);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h.toLowerCase(Locale.ROOT);
    }

    private record Route(Optional<String> host, Optional<String> pathPrefix, Pool pool) {
        Route(RouteConfig config, Pool pool) {
            this(config.host(), config.pathPrefix(), pool);
        }

        boolean matches(String requestHost, String path) {
            if (host.isPresent()) {
                if (requestHost == null) {
                    return false;
                }
                String want = host.get();
                if (want.startsWith("*.")) {
                    if (!requestHost.endsWith(want.substring(1)) || requestHost.length() <= want.length() - 1) {
                        return false;
                    }
                } else if (!want.equals(requestHost)) {
                    return false;
                }
            }
            return pathPrefix.isEmpty() || (path != null && path.startsWith(pathPrefix.get()));
        }
    }
}

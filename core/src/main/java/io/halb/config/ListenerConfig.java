package io.halb.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One listening socket and what it does with its clients.
 *
 * @param pool      the default pool: used when no route matches
 * @param routes    http only; the first match wins
 * @param sniRoutes tcp only; raw TLS routed by the ClientHello's SNI, never decrypted
 */
public record ListenerConfig(
        String name,
        HostPort bind,
        Mode mode,
        String pool,
        List<RouteConfig> routes,
        Optional<TlsConfig> tls,
        List<SniRouteConfig> sniRoutes) {

    public ListenerConfig {
        Names.check("listener name", name);
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(mode, "mode");
        Names.check("pool", pool);
        routes = List.copyOf(routes);
        Objects.requireNonNull(tls, "tls");
        sniRoutes = List.copyOf(sniRoutes);
    }
}

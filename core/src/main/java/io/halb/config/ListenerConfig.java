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
 * @param proxyProtocolFrom peers (e.g. an L4 balancer in front of halb) whose connections start with
 *                  a PROXY protocol header (v1 or v2) naming the real client; empty: none do
 * @param limits    connection and rate limits: the top level's {@code limits:} overridden by the listener's
 * @param h2c       http only; also accept cleartext HTTP/2 with prior knowledge (a connection that
 *                  starts with the HTTP/2 preface) next to HTTP/1.1 on the same port
 */
public record ListenerConfig(
        String name,
        HostPort bind,
        Mode mode,
        String pool,
        List<RouteConfig> routes,
        Optional<TlsConfig> tls,
        List<SniRouteConfig> sniRoutes,
        List<Cidr> proxyProtocolFrom,
        LimitsConfig limits,
        boolean h2c) {

    public ListenerConfig {
        Names.check("listener name", name);
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(mode, "mode");
        Names.check("pool", pool);
        routes = List.copyOf(routes);
        Objects.requireNonNull(tls, "tls");
        sniRoutes = List.copyOf(sniRoutes);
        proxyProtocolFrom = List.copyOf(proxyProtocolFrom);
        Objects.requireNonNull(limits, "limits");
    }

    /** A listener that speaks HTTP/2 only where TLS negotiates it. */
    public ListenerConfig(String name, HostPort bind, Mode mode, String pool, List<RouteConfig> routes,
                          Optional<TlsConfig> tls, List<SniRouteConfig> sniRoutes, List<Cidr> proxyProtocolFrom,
                          LimitsConfig limits) {
        this(name, bind, mode, pool, routes, tls, sniRoutes, proxyProtocolFrom, limits, false);
    }

    /** With the default limits. */
    public ListenerConfig(String name, HostPort bind, Mode mode, String pool, List<RouteConfig> routes,
                          Optional<TlsConfig> tls, List<SniRouteConfig> sniRoutes, List<Cidr> proxyProtocolFrom) {
        this(name, bind, mode, pool, routes, tls, sniRoutes, proxyProtocolFrom, LimitsConfig.DEFAULTS);
    }

    /** A listener that expects no PROXY protocol header. */
    public ListenerConfig(String name, HostPort bind, Mode mode, String pool, List<RouteConfig> routes,
                          Optional<TlsConfig> tls, List<SniRouteConfig> sniRoutes) {
        this(name, bind, mode, pool, routes, tls, sniRoutes, List.of());
    }

    /** Whether a connection from {@code peer} must start with a PROXY protocol header. */
    public boolean expectsProxyProtocol(java.net.InetAddress peer) {
        for (Cidr c : proxyProtocolFrom) {
            if (c.contains(peer)) {
                return true;
            }
        }
        return false;
    }
}

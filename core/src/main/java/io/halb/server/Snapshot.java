package io.halb.server;

import io.halb.balance.Endpoint;
import io.halb.config.HalbConfig;
import io.halb.config.ListenerConfig;
import io.halb.config.PoolConfig;
import io.halb.config.ServerConfig;
import io.halb.proxy.ListenerSnapshot;
import io.halb.proxy.Pool;
import io.halb.proxy.TrafficObserver;
import io.halb.proxy.http.HttpFrontendInitializer;
import io.halb.tls.CertificateProblem;
import io.halb.tls.ClientTls;
import io.halb.tls.Reloadable;
import io.halb.tls.ServerTls;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One configuration made ready to serve: pools with their endpoints and balancers, listeners with
 * their routes resolved. Immutable. Built off the event loops (it resolves server names).
 */
record Snapshot(HalbConfig config, Map<String, Pool> pools, Map<String, ListenerSnapshot> listeners) {

    /**
     * Builds a snapshot, reusing the endpoints of {@code previous} for servers that keep their
     * identity (pool, name, address), so their state and load carry over.
     *
     * @param scheduler runs the pools' timers (slow start, outlier ejection)
     * @param observer  told of every request and session
     * @throws UnknownHostException when a server's host name does not resolve
     * @throws IllegalArgumentException when a certificate or key cannot serve (the message names the file)
     */
    static Snapshot build(HalbConfig config, Snapshot previous, ScheduledExecutorService scheduler,
                          TrafficObserver observer) throws UnknownHostException {
        Map<String, Pool> pools = new LinkedHashMap<>();
        for (PoolConfig pc : config.pools()) {
            List<Endpoint> endpoints = new ArrayList<>(pc.servers().size());
            for (ServerConfig sc : pc.servers()) {
                Endpoint kept = previous == null ? null : previous.endpoint(pc.name(), sc);
                if (kept != null) {
                    kept.weight(sc.weight());
                    endpoints.add(kept);
                } else {
                    InetAddress address = InetAddress.getByName(sc.address().host());
                    endpoints.add(new Endpoint(pc.name(), sc, new InetSocketAddress(address, sc.address().port())));
                }
            }
            Pool before = previous == null ? null : previous.pools().get(pc.name());
            pools.put(pc.name(), new Pool(pc, endpoints, before, scheduler, clientTls(pc, before, config)));
        }
        Map<String, ListenerSnapshot> listeners = new LinkedHashMap<>();
        for (ListenerConfig lc : config.listeners()) {
            ListenerSnapshot before = previous == null ? null : previous.listeners().get(lc.name());
            listeners.put(lc.name(), new ListenerSnapshot(lc, config.timeouts(), pools, observer,
                    serverTls(lc, before, config)));
        }
        return new Snapshot(config, Map.copyOf(pools), Map.copyOf(listeners));
    }

    /** TLS termination of a listener: the previous one when nothing changed (its sessions stay resumable). */
    private static ServerTls serverTls(ListenerConfig lc, ListenerSnapshot before, HalbConfig config) {
        if (lc.tls().isEmpty()) {
            return null;
        }
        java.time.Duration timeout = config.timeouts().tlsHandshake();
        List<String> alpn = HttpFrontendInitializer.ALPN_PROTOCOLS;
        if (before != null && before.tls() != null && before.tls().serves(lc.tls().get(), timeout, alpn)) {
            before.tls().refresh();
            return before.tls();
        }
        try {
            return ServerTls.load("listener " + lc.name(), lc.tls().get(), timeout, alpn);
        } catch (CertificateProblem e) {
            throw new IllegalArgumentException("listeners." + lc.name() + ".tls: " + e.getMessage(), e);
        }
    }

    private static ClientTls clientTls(PoolConfig pc, Pool before, HalbConfig config) {
        if (pc.tls().isEmpty()) {
            return null;
        }
        java.time.Duration timeout = config.timeouts().tlsHandshake();
        if (before != null && before.tls() != null && before.tls().serves(pc.tls().get(), timeout)) {
            before.tls().refresh();
            return before.tls();
        }
        try {
            return ClientTls.load("pool " + pc.name(), pc.tls().get(), timeout);
        } catch (CertificateProblem e) {
            throw new IllegalArgumentException("pools." + pc.name() + ".tls: " + e.getMessage(), e);
        }
    }

    /** Everything of this snapshot that reads certificate files, for the reload watcher. */
    List<Reloadable> tlsFiles() {
        List<Reloadable> out = new ArrayList<>();
        listeners.values().forEach(l -> {
            if (l.tls() != null) {
                out.add(l.tls());
            }
        });
        pools.values().forEach(p -> {
            if (p.tls() != null) {
                out.add(p.tls());
            }
        });
        return out;
    }

    private Endpoint endpoint(String pool, ServerConfig server) {
        Pool p = pools.get(pool);
        if (p == null) {
            return null;
        }
        for (Endpoint e : p.endpoints()) {
            if (e.sameIdentity(pool, server)) {
                return e;
            }
        }
        return null;
    }
}

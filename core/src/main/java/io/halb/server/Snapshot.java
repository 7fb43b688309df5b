package io.halb.server;

import io.halb.balance.Endpoint;
import io.halb.config.HalbConfig;
import io.halb.config.ListenerConfig;
import io.halb.config.PoolConfig;
import io.halb.config.ServerConfig;
import io.halb.proxy.ListenerSnapshot;
import io.halb.proxy.Pool;
import io.halb.proxy.TrafficObserver;

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
            pools.put(pc.name(), new Pool(pc, endpoints, previous == null ? null : previous.pools().get(pc.name()), scheduler));
        }
        Map<String, ListenerSnapshot> listeners = new LinkedHashMap<>();
        for (ListenerConfig lc : config.listeners()) {
            listeners.put(lc.name(), new ListenerSnapshot(lc, config.timeouts(), pools, observer));
        }
        return new Snapshot(config, Map.copyOf(pools), Map.copyOf(listeners));
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

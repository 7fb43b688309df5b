package io.halb.server;

import io.halb.balance.Endpoint;
import io.halb.balance.ServerState;
import io.halb.config.HalbConfig;
import io.halb.config.HostPort;
import io.halb.config.PoolConfig;
import io.halb.config.ServerConfig;
import io.halb.proxy.Pool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Changes made at run time through the admin API: operator states, weights, servers added and
 * removed. Re-applied to every configuration loaded after them (a reload does not undo a drain),
 * and kept in the state file so a restart does not either. Immutable; changes return a copy.
 *
 * @param states  {@code pool/server} to {@code ready}, {@code drain} or {@code maint}
 * @param weights {@code pool/server} to a weight
 * @param added   pool to the servers added to it
 * @param removed {@code pool/server} of servers removed
 */
record RuntimeOverrides(Map<String, String> states, Map<String, Integer> weights,
                        Map<String, List<AddedServer>> added, Set<String> removed) {

    static final RuntimeOverrides NONE = new RuntimeOverrides(Map.of(), Map.of(), Map.of(), Set.of());

    /** A server added at run time, in the shape the state file keeps. */
    record AddedServer(String name, String address, int weight, boolean backup, int maxConnections) {
        ServerConfig toConfig() {
            return new ServerConfig(name, HostPort.parse(address), weight, backup, maxConnections);
        }

        static AddedServer of(ServerConfig s) {
            return new AddedServer(s.name(), s.address().toString(), s.weight(), s.backup(), s.maxConnections());
        }
    }

    RuntimeOverrides {
        states = Map.copyOf(states);
        weights = Map.copyOf(weights);
        Map<String, List<AddedServer>> copy = new LinkedHashMap<>();
        added.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        added = Map.copyOf(copy);
        removed = Set.copyOf(removed);
    }

    static String key(String pool, String server) {
        return pool + "/" + server;
    }

    RuntimeOverrides withState(String pool, String server, String state) {
        Map<String, String> m = new LinkedHashMap<>(states);
        if (state.equals("ready")) {
            m.remove(key(pool, server));
        } else {
            m.put(key(pool, server), state);
        }
        return new RuntimeOverrides(m, weights, added, removed);
    }

    RuntimeOverrides withWeight(String pool, String server, int weight) {
        Map<String, Integer> m = new LinkedHashMap<>(weights);
        m.put(key(pool, server), weight);
        return new RuntimeOverrides(states, m, added, removed);
    }

    RuntimeOverrides withAdded(String pool, ServerConfig server) {
        Map<String, List<AddedServer>> m = new LinkedHashMap<>(added);
        List<AddedServer> list = new ArrayList<>(m.getOrDefault(pool, List.of()));
        list.removeIf(a -> a.name().equals(server.name()));
        list.add(AddedServer.of(server));
        m.put(pool, list);
        Set<String> r = new LinkedHashSet<>(removed);
        r.remove(key(pool, server.name()));
        return new RuntimeOverrides(states, weights, m, r);
    }

    RuntimeOverrides withRemoved(String pool, String server) {
        Map<String, List<AddedServer>> m = new LinkedHashMap<>(added);
        List<AddedServer> list = new ArrayList<>(m.getOrDefault(pool, List.of()));
        boolean wasAdded = list.removeIf(a -> a.name().equals(server));
        if (list.isEmpty()) {
            m.remove(pool);
        } else {
            m.put(pool, list);
        }
        Set<String> r = new LinkedHashSet<>(removed);
        if (!wasAdded) {
            r.add(key(pool, server));
        }
        Map<String, String> s = new LinkedHashMap<>(states);
        s.remove(key(pool, server));
        Map<String, Integer> w = new LinkedHashMap<>(weights);
        w.remove(key(pool, server));
        return new RuntimeOverrides(s, w, m, r);
    }

    /**
     * The configuration with servers added and removed. A pool that no longer exists drops its
     * changes silently; a removal that would leave a pool without a primary server is not applied.
     */
    List<PoolConfig> applyServers(HalbConfig config) {
        List<PoolConfig> pools = new ArrayList<>();
        for (PoolConfig p : config.pools()) {
            List<ServerConfig> servers = new ArrayList<>();
            for (ServerConfig s : p.servers()) {
                if (!removed.contains(key(p.name(), s.name()))) {
                    servers.add(s);
                }
            }
            for (AddedServer a : added.getOrDefault(p.name(), List.of())) {
                if (servers.stream().noneMatch(s -> s.name().equals(a.name()))) {
                    servers.add(a.toConfig());
                }
            }
            boolean hasPrimary = servers.stream().anyMatch(s -> !s.backup());
            pools.add(hasPrimary ? p.withServers(servers) : p);
        }
        return pools;
    }

    /** Sets the operator states and weights on the endpoints of a freshly built snapshot. */
    void applyStates(Map<String, Pool> pools) {
        for (Pool pool : pools.values()) {
            for (Endpoint e : pool.endpoints()) {
                String k = key(pool.name(), e.name());
                String state = states.get(k);
                e.state(state == null ? ServerState.UP : toServerState(state));
                Integer w = weights.get(k);
                if (w != null) {
                    e.weight(w);
                }
            }
        }
    }

    /** {@code ready | drain | maint} as a server state. */
    static ServerState toServerState(String state) {
        return switch (state) {
            case "ready" -> ServerState.UP;
            case "drain" -> ServerState.DRAIN;
            case "maint" -> ServerState.MAINT;
            default -> throw new IllegalArgumentException("state: '" + state + "' (expected: ready, drain or maint)");
        };
    }
}

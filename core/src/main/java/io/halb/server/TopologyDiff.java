package io.halb.server;

import io.halb.balance.Balancer;
import io.halb.balance.Endpoint;
import io.halb.balance.PickContext;
import io.halb.config.Algorithm;
import io.halb.config.HalbConfig;
import io.halb.config.HashKey;
import io.halb.config.HostPort;
import io.halb.config.ListenerConfig;
import io.halb.config.PersistenceConfig;
import io.halb.config.HealthConfig;
import io.halb.config.PoolConfig;
import io.halb.config.ServerConfig;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a new configuration would change in a running one, as {@code halb validate --against}
 * prints it: listeners, pools and servers added, removed or changed, and for hash pools the share
 * of keys that would move to another server (measured on the real Maglev table).
 */
public final class TopologyDiff {

    /** Keys hashed to measure how many move. */
    static final int SAMPLE_KEYS = 10_000;

    public record Server(String name, String address, int weight, boolean backup) {}

    public record PoolShape(String name, String algorithm, List<Server> servers) {}

    /** @param bind empty when the side does not know the configured bind (a running instance reports the bound one) */
    public record ListenerShape(String name, String bind, String mode, String pool) {}

    public record Topology(List<ListenerShape> listeners, List<PoolShape> pools) {
        public static Topology of(HalbConfig c) {
            List<ListenerShape> ls = new ArrayList<>();
            for (ListenerConfig l : c.listeners()) {
                ls.add(new ListenerShape(l.name(), l.bind().toString(), l.mode().name().toLowerCase(Locale.ROOT), l.pool()));
            }
            List<PoolShape> ps = new ArrayList<>();
            for (PoolConfig p : c.pools()) {
                List<Server> servers = new ArrayList<>();
                for (ServerConfig s : p.servers()) {
                    servers.add(new Server(s.name(), s.address().toString(), s.weight(), s.backup()));
                }
                ps.add(new PoolShape(p.name(), p.algorithm().yamlName(), servers));
            }
            return new Topology(ls, ps);
        }
    }

    private TopologyDiff() {}

    /** One line per difference; empty when the two are the same. */
    public static List<String> describe(Topology before, Topology after) {
        List<String> out = new ArrayList<>();
        Map<String, ListenerShape> oldL = new LinkedHashMap<>();
        before.listeners().forEach(l -> oldL.put(l.name(), l));
        for (ListenerShape l : after.listeners()) {
            ListenerShape o = oldL.remove(l.name());
            if (o == null) {
                out.add("+ listener " + l.name() + " (" + l.mode() + " on " + l.bind() + " -> pool " + l.pool() + ")");
            } else {
                List<String> what = new ArrayList<>();
                if (!o.bind().isEmpty() && !l.bind().isEmpty() && !o.bind().equals(l.bind())) {
                    what.add("bind " + o.bind() + " -> " + l.bind());
                }
                if (!o.mode().equals(l.mode())) {
                    what.add("mode " + o.mode() + " -> " + l.mode());
                }
                if (!o.pool().equals(l.pool())) {
                    what.add("pool " + o.pool() + " -> " + l.pool());
                }
                if (!what.isEmpty()) {
                    out.add("~ listener " + l.name() + ": " + String.join(", ", what));
                }
            }
        }
        oldL.keySet().forEach(n -> out.add("- listener " + n));
        Map<String, PoolShape> oldP = new LinkedHashMap<>();
        before.pools().forEach(p -> oldP.put(p.name(), p));
        for (PoolShape p : after.pools()) {
            PoolShape o = oldP.remove(p.name());
            if (o == null) {
                out.add("+ pool " + p.name() + " (" + p.algorithm() + ", " + p.servers().size() + " server(s))");
                continue;
            }
            if (!o.algorithm().equals(p.algorithm())) {
                out.add("~ pool " + p.name() + ": algorithm " + o.algorithm() + " -> " + p.algorithm());
            }
            Map<String, Server> oldS = new LinkedHashMap<>();
            o.servers().forEach(s -> oldS.put(s.name(), s));
            boolean serversChanged = false;
            for (Server s : p.servers()) {
                Server os = oldS.remove(s.name());
                if (os == null) {
                    out.add("+ pool " + p.name() + ": server " + s.name() + " (" + s.address() + ", weight " + s.weight()
                            + (s.backup() ? ", backup" : "") + ")");
                    serversChanged = true;
                } else if (!os.equals(s)) {
                    out.add("~ pool " + p.name() + ": server " + s.name() + ": " + os.address() + " weight " + os.weight()
                            + " -> " + s.address() + " weight " + s.weight());
                    serversChanged = true;
                }
            }
            for (String gone : oldS.keySet()) {
                out.add("- pool " + p.name() + ": server " + gone);
                serversChanged = true;
            }
            if (serversChanged && isHash(p.algorithm()) && o.algorithm().equals(p.algorithm())) {
                out.add(String.format(Locale.ROOT, "  pool %s: %.1f%% of hash keys would move to another server",
                        p.name(), 100 * movedShare(p.name(), o.servers(), p.servers())));
            }
        }
        oldP.keySet().forEach(n -> out.add("- pool " + n));
        return out;
    }

    private static boolean isHash(String algorithm) {
        return algorithm.equals("source_ip_hash") || algorithm.equals("uri_hash") || algorithm.equals("hash");
    }

    /** The share of {@link #SAMPLE_KEYS} keys whose server differs between the two server sets. */
    static double movedShare(String pool, List<Server> before, List<Server> after) {
        Balancer a = balancer(pool, before);
        Balancer b = balancer(pool, after);
        int moved = 0;
        for (int i = 0; i < SAMPLE_KEYS; i++) {
            String key = "k" + i;
            PickContext ctx = new PickContext() {
                @Override
                public java.net.InetAddress clientAddress() {
                    return java.net.InetAddress.getLoopbackAddress();
                }

                @Override
                public String header(String name) {
                    return key;
                }
            };
            Endpoint x = a.pick(ctx);
            Endpoint y = b.pick(ctx);
            if (x == null || y == null || !x.name().equals(y.name())) {
                moved++;
            }
        }
        return moved / (double) SAMPLE_KEYS;
    }

    private static Balancer balancer(String pool, List<Server> servers) {
        List<ServerConfig> configs = new ArrayList<>();
        List<Endpoint> endpoints = new ArrayList<>();
        for (Server s : servers) {
            ServerConfig sc = new ServerConfig(s.name(), HostPort.parse(s.address()), Math.max(1, s.weight()), s.backup());
            configs.add(sc);
            endpoints.add(new Endpoint(pool, sc, InetSocketAddress.createUnresolved(sc.address().host(), sc.address().port())));
        }
        PoolConfig pc = new PoolConfig(pool, Algorithm.HASH, Optional.of(new HashKey.Header("x-key")), PersistenceConfig.NONE,
                HealthConfig.NONE, Optional.empty(), 0, configs);
        return Balancer.of(pc, endpoints);
    }
}

package io.halb.server;

import io.halb.config.HalbConfig;
import io.halb.config.ListenerConfig;
import io.halb.config.PoolConfig;
import io.halb.config.ServerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/** What differs between two configurations, one line per change, for logs and the admin API. */
final class Changes {

    private Changes() {}

    static List<String> between(Snapshot before, Snapshot after) {
        return between(before.config(), after.config());
    }

    static List<String> between(HalbConfig before, HalbConfig after) {
        List<String> out = new ArrayList<>();
        Map<String, ListenerConfig> oldL = byName(before.listeners(), ListenerConfig::name);
        Map<String, ListenerConfig> newL = byName(after.listeners(), ListenerConfig::name);
        oldL.keySet().stream().filter(n -> !newL.containsKey(n)).forEach(n -> out.add("listener " + n + " removed"));
        for (ListenerConfig l : after.listeners()) {
            ListenerConfig o = oldL.get(l.name());
            if (o == null) {
                out.add("listener " + l.name() + " added on " + l.bind());
            } else if (!o.equals(l)) {
                out.add("listener " + l.name() + " changed"
                        + (o.bind().equals(l.bind()) && o.mode() == l.mode() ? " (keeps its socket)" : " (bound anew)"));
            }
        }
        Map<String, PoolConfig> oldP = byName(before.pools(), PoolConfig::name);
        Map<String, PoolConfig> newP = byName(after.pools(), PoolConfig::name);
        oldP.keySet().stream().filter(n -> !newP.containsKey(n)).forEach(n -> out.add("pool " + n + " removed"));
        for (PoolConfig p : after.pools()) {
            PoolConfig o = oldP.get(p.name());
            if (o == null) {
                out.add("pool " + p.name() + " added with " + p.servers().size() + " server(s)");
                continue;
            }
            Map<String, ServerConfig> oldS = byName(o.servers(), ServerConfig::name);
            Map<String, ServerConfig> newS = byName(p.servers(), ServerConfig::name);
            oldS.keySet().stream().filter(n -> !newS.containsKey(n))
                    .forEach(n -> out.add("pool " + p.name() + ": server " + n + " removed"));
            for (ServerConfig s : p.servers()) {
                ServerConfig os = oldS.get(s.name());
                if (os == null) {
                    out.add("pool " + p.name() + ": server " + s.name() + " added (" + s.address() + ")");
                } else if (!os.equals(s)) {
                    out.add("pool " + p.name() + ": server " + s.name() + " changed");
                }
            }
            if (!Objects.equals(o.withServers(p.servers()), p)) {
                out.add("pool " + p.name() + " settings changed");
            }
        }
        if (!before.timeouts().equals(after.timeouts())) {
            out.add("timeouts changed");
        }
        return out;
    }

    private static <T> Map<String, T> byName(List<T> items, Function<T, String> name) {
        return items.stream().collect(Collectors.toMap(name, Function.identity(), (a, b) -> a, java.util.LinkedHashMap::new));
    }
}

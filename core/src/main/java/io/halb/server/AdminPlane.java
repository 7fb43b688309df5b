package io.halb.server;

import io.halb.admin.AdminEvent;
import io.halb.admin.ControlPlane;
import io.halb.admin.ListenerView;
import io.halb.admin.PoolView;
import io.halb.admin.ReloadResult;
import io.halb.admin.ServerView;
import io.halb.admin.StatusView;
import io.halb.balance.Endpoint;
import io.halb.balance.ServerState;
import io.halb.config.HalbConfig;
import io.halb.config.ListenerConfig;
import io.halb.config.ServerConfig;
import io.halb.health.HealthStatus;
import io.halb.proxy.Pool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The {@link ControlPlane} of a running {@link Halb}: views built from the current snapshot, and
 * changes that go through the runtime overrides, so they are kept in the state file and survive
 * reloads.
 */
final class AdminPlane implements ControlPlane {

    private final Halb halb;

    AdminPlane(Halb halb) {
        this.halb = halb;
    }

    @Override
    public StatusView status() {
        HalbConfig config = halb.config();
        long now = System.currentTimeMillis();
        String node = config.cluster().map(c -> c.node()).orElse(hostName());
        String version = Optional.ofNullable(Halb.class.getPackage().getImplementationVersion()).orElse("dev");
        String role = halb.clusterStatus().map(c -> c.role()).orElse("standalone");
        return new StatusView(version, halb.startedMillis(), now - halb.startedMillis(), node, role,
                config.source().toString(), halb.configLoadedMillis(), halb.transport().name().toLowerCase(Locale.ROOT),
                halb.eventLoops(), halb.connections().open(), halb.connections().requestsTotal());
    }

    private static String hostName() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) {
            return h;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    @Override
    public Optional<io.halb.cluster.ClusterStatus> cluster() {
        return halb.clusterStatus();
    }

    @Override
    public List<ListenerView> listeners() {
        List<ListenerView> out = new ArrayList<>();
        for (ListenerConfig l : halb.config().listeners()) {
            String bind;
            try {
                bind = halb.address(l.name()).toString();
            } catch (IllegalArgumentException e) {
                bind = l.bind().toString();
            }
            out.add(new ListenerView(l.name(), bind, l.mode().name().toLowerCase(Locale.ROOT), l.pool(), l.routes().size()));
        }
        return out;
    }

    @Override
    public List<PoolView> pools() {
        Snapshot s = halb.snapshot();
        Checks checks = halb.checks();
        List<PoolView> out = new ArrayList<>();
        for (Pool p : s.pools().values()) {
            List<ServerView> servers = new ArrayList<>();
            for (Endpoint e : p.endpoints()) {
                servers.add(view(p, e, checks));
            }
            out.add(new PoolView(p.name(), p.config().algorithm().yamlName(),
                    p.config().persistence().type().name().toLowerCase(Locale.ROOT),
                    p.config().health().type().name().toLowerCase(Locale.ROOT), p.config().retries(),
                    p.queue() == null ? 0 : p.queue().size(), servers));
        }
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    private static ServerView view(Pool p, Endpoint e, Checks checks) {
        String lastCheck = checks == null ? "" : checks.status(p.name(), e.name())
                .flatMap(HealthStatus::lastResult).map(r -> r.reason()).orElse("");
        return new ServerView(e.name(), e.address().toString(), e.backup(), e.state().name().toLowerCase(Locale.ROOT),
                adminState(e.adminState()), e.healthy(), e.ejected(), lastCheck, e.weight(), e.baseWeight(),
                e.rampPercent(), e.maxConnections(), e.inFlight(), e.requests(), e.failures(),
                e.responseTimeNanos() / 1_000_000.0, e.stateChanges());
    }

    private static String adminState(ServerState s) {
        return s == ServerState.UP ? "ready" : s.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void setServerState(String pool, String server, String state) {
        Endpoint e = endpoint(pool, server);
        ServerState target = RuntimeOverrides.toServerState(state);
        change(halb.overrides().withState(pool, server, state), false);
        e.state(target);
        halb.events().publish("server_state", pool, server, "operator: " + state);
    }

    @Override
    public void setServerWeight(String pool, String server, int weight) {
        if (weight < 0 || weight > ServerConfig.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: 0.." + ServerConfig.MAX_WEIGHT + ")");
        }
        Endpoint e = endpoint(pool, server);
        change(halb.overrides().withWeight(pool, server, weight), false);
        e.weight(weight);
        halb.events().publish("server_weight", pool, server, "operator: weight " + weight);
    }

    @Override
    public void addServer(String pool, ServerConfig server) {
        Pool p = pool(pool);
        if (p.endpoint(server.name()) != null) {
            throw new IllegalArgumentException("name: '" + server.name() + "' is already a server of pool " + pool);
        }
        change(halb.overrides().withAdded(pool, server), true);
        halb.events().publish("server_added", pool, server.name(), "operator: added " + server.address());
    }

    @Override
    public void removeServer(String pool, String server) {
        Pool p = pool(pool);
        Endpoint e = endpoint(pool, server);
        boolean otherPrimary = p.endpoints().stream().anyMatch(x -> x != e && !x.backup());
        if (!e.backup() && !otherPrimary) {
            throw new IllegalArgumentException("server " + server + " is the last primary server of pool " + pool);
        }
        change(halb.overrides().withRemoved(pool, server), true);
        halb.events().publish("server_removed", pool, server, "operator: removed");
    }

    private void change(RuntimeOverrides next, boolean serversChanged) {
        try {
            halb.changeOverrides(next, serversChanged);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the state file: " + e.getMessage(), e);
        }
    }

    @Override
    public ReloadResult reload() {
        return halb.reloadFromFile();
    }

    @Override
    public Object effectiveConfig() {
        return EffectiveConfig.of(halb.config());
    }

    @Override
    public Runnable subscribe(Consumer<AdminEvent> listener) {
        return halb.events().subscribe(listener);
    }

    private Pool pool(String pool) {
        Pool p = halb.snapshot().pools().get(pool);
        if (p == null) {
            throw new NotFoundException("no pool named '" + pool + "'");
        }
        return p;
    }

    private Endpoint endpoint(String pool, String server) {
        Endpoint e = pool(pool).endpoint(server);
        if (e == null) {
            throw new NotFoundException("no server named '" + server + "' in pool " + pool);
        }
        return e;
    }
}

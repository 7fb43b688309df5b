package io.halb.server;

import io.halb.balance.Endpoint;
import io.halb.config.HealthConfig;
import io.halb.config.PoolConfig;
import io.halb.config.ServerConfig;
import io.halb.health.AgentCheck;
import io.halb.health.AgentReport;
import io.halb.health.AgentReports;
import io.halb.health.AgentTarget;
import io.halb.health.HealthChecker;
import io.halb.health.HealthStatus;
import io.halb.health.HealthTarget;
import io.halb.health.HealthTransition;
import io.halb.proxy.Pool;
import io.halb.proxy.Transport;
import io.netty.channel.EventLoopGroup;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The health checks and agent checks of one snapshot's pools, and where their verdicts go. A reload
 * replaces the whole set; a server that was down stays down until {@code rise} checks pass.
 *
 * <p>Thread-safety: started and closed under the server's lock; verdicts arrive on event loops and
 * are applied to the current snapshot's endpoints.
 */
final class Checks implements AutoCloseable {

    private final Supplier<Snapshot> current;
    private final Events events;
    private final List<HealthChecker> health = new ArrayList<>();
    private final List<AgentCheck> agents = new ArrayList<>();

    private Checks(Supplier<Snapshot> current, Events events) {
        this.current = current;
        this.events = events;
    }

    /** Checks of a pool with tls: speak TLS to its servers as requests do, verifying them alike. */
    private static io.halb.health.TlsLayer tlsLayer(io.halb.proxy.Pool pool) {
        io.halb.tls.ClientTls tls = pool.tls();
        if (tls == null) {
            return null;
        }
        return (ch, target) -> {
            Endpoint e = pool.endpoint(target.server());
            String host = e != null ? e.address().host() : target.address().getHostString();
            return tls.newHandler(ch.alloc(), host, target.address().getPort());
        };
    }

    static Checks start(Snapshot snapshot, Supplier<Snapshot> current, EventLoopGroup group, Transport transport,
                        Events events) {
        Checks checks = new Checks(current, events);
        for (PoolConfig pc : snapshot.config().pools()) {
            List<Endpoint> endpoints = snapshot.pools().get(pc.name()).endpoints();
            if (pc.health().type() != HealthConfig.Type.NONE) {
                List<HealthTarget> targets = new ArrayList<>();
                for (Endpoint e : endpoints) {
                    targets.add(new HealthTarget(pc.name(), e.name(), e.socketAddress()));
                }
                Map<String, Boolean> healthy = new java.util.HashMap<>();
                endpoints.forEach(e -> healthy.put(e.name(), e.healthy()));
                checks.health.add(HealthChecker.start(group, transport, targets, pc.health(),
                        t -> healthy.getOrDefault(t.server(), true), checks::onHealthTransition,
                        tlsLayer(snapshot.pools().get(pc.name()))));
            }
            if (pc.agent().isPresent()) {
                List<AgentTarget> targets = new ArrayList<>();
                for (Endpoint e : endpoints) {
                    targets.add(AgentTarget.of(pc.name(), e.name(), e.socketAddress(), pc.agent().get().port()));
                }
                checks.agents.add(AgentCheck.start(group, transport, targets, pc.agent().get().interval(),
                        checks::onAgentReport));
            }
        }
        return checks;
    }

    /** The last check of a server, if its pool has health checks. */
    Optional<HealthStatus> status(String pool, String server) {
        for (HealthChecker checker : health) {
            for (HealthTarget t : checker.targets()) {
                if (t.pool().equals(pool) && t.server().equals(server)) {
                    return Optional.of(checker.status(pool, server));
                }
            }
        }
        return Optional.empty();
    }

    /** A server passed {@code rise} or failed {@code fall} checks; on an event loop, never blocks. */
    private void onHealthTransition(HealthTransition t) {
        Pool pool = current.get().pools().get(t.pool());
        Endpoint e = pool == null ? null : pool.endpoint(t.server());
        if (e == null) {
            return;
        }
        if (t.up()) {
            pool.checksPassed(e);
        } else {
            pool.checksFailed(e);
        }
        events.publish("server_state", t.pool(), t.server(), (t.up() ? "up" : "down") + ": " + t.reason());
    }

    /** Applies an agent's report to the server in the current snapshot; on an event loop, never blocks. */
    private void onAgentReport(AgentReport report) {
        Pool pool = current.get().pools().get(report.target().pool());
        Endpoint e = pool == null ? null : pool.endpoint(report.target().server());
        if (e == null) {
            return;
        }
        for (ServerConfig sc : pool.config().servers()) {
            if (sc.name().equals(e.name()) && AgentReports.apply(report, e, sc.weight())) {
                events.publish("server_weight", pool.name(), e.name(), "agent: " + report.line().strip());
            }
        }
    }

    @Override
    public void close() {
        health.forEach(HealthChecker::close);
        agents.forEach(AgentCheck::close);
    }
}

package io.halb.server;

import io.halb.balance.Endpoint;
import io.halb.config.HalbConfig;
import io.halb.config.ListenerConfig;
import io.halb.config.Mode;
import io.halb.config.PoolConfig;
import io.halb.config.ServerConfig;
import io.halb.health.AgentCheck;
import io.halb.health.AgentReport;
import io.halb.health.AgentReports;
import io.halb.health.AgentTarget;
import io.halb.health.HealthChecker;
import io.halb.health.HealthTarget;
import io.halb.health.HealthTransition;
import io.halb.config.HealthConfig;
import io.halb.proxy.Pool;
import io.halb.proxy.TrafficObserver;
import io.halb.proxy.ConnectionTracker;
import io.halb.proxy.ListenerSnapshot;
import io.halb.proxy.Transport;
import io.halb.proxy.http.HttpFrontendInitializer;
import io.halb.proxy.tcp.TcpFrontendInitializer;
import io.halb.proxy.upstream.Upstreams;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.NettyRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A running halb: its listeners bound and serving one configuration snapshot.
 *
 * <p>Thread-safety: all methods may be called from any thread except an event loop.
 */
public final class Halb implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Halb.class);

    private final Transport transport;
    private final EventLoopGroup group;
    private final ConnectionTracker tracker = new ConnectionTracker();
    private final Upstreams upstreams;
    private final Map<String, Channel> serverChannels = new LinkedHashMap<>();
    private final List<AgentCheck> agentChecks = new ArrayList<>();
    private final List<HealthChecker> healthCheckers = new ArrayList<>();
    private volatile Snapshot snapshot;
    private boolean stopped;

    private Halb(HalbConfig config) {
        this.transport = Transport.best();
        int threads = config.eventLoops() > 0 ? config.eventLoops() : NettyRuntime.availableProcessors();
        this.group = transport.newGroup(threads, "halb-io");
        this.upstreams = new Upstreams(transport, () -> this.snapshot.config().timeouts().upstreamIdle().toNanos());
    }

    /** Binds every listener of {@code config} and returns once they accept connections. */
    public static Halb start(HalbConfig config) throws Exception {
        Halb halb = new Halb(config);
        try {
            halb.snapshot = Snapshot.build(config, null, halb.group, TrafficObserver.NONE);
            halb.bindAll();
            halb.startHealthChecks();
            halb.startAgentChecks();
        } catch (Exception e) {
            halb.stop(Duration.ZERO);
            throw e;
        }
        return halb;
    }

    private void bindAll() throws InterruptedException {
        HalbConfig config = snapshot.config();
        log.info("transport {}{}", transport.name().toLowerCase(),
                transport == Transport.EPOLL ? "" : " (epoll unavailable: " + Transport.epollUnavailabilityCause() + ")");
        for (ListenerConfig lc : config.listeners()) {
            String name = lc.name();
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, lc.mode() == Mode.TCP)
                    .childHandler(initializer(lc, () -> snapshot.listeners().get(name)))
                    .bind(lc.bind().host(), lc.bind().port())
                    .sync()
                    .channel();
            serverChannels.put(name, ch);
            log.info("listener {} ({}) on {} -> pool {}", name, lc.mode().name().toLowerCase(), ch.localAddress(), lc.pool());
        }
    }

    /** Checks every server of the pools that have {@code health:}; verdicts go to the endpoints. */
    private void startHealthChecks() {
        for (PoolConfig pc : snapshot.config().pools()) {
            if (pc.health().type() == HealthConfig.Type.NONE) {
                continue;
            }
            List<HealthTarget> targets = new ArrayList<>();
            for (Endpoint e : snapshot.pools().get(pc.name()).endpoints()) {
                targets.add(new HealthTarget(pc.name(), e.name(), e.socketAddress()));
            }
            healthCheckers.add(HealthChecker.start(group, transport, targets, pc.health(), this::onHealthTransition));
        }
    }

    /** A server passed {@code rise} or failed {@code fall} checks; on an event loop, never blocks. */
    private void onHealthTransition(HealthTransition t) {
        Pool pool = snapshot.pools().get(t.pool());
        if (pool == null) {
            return;
        }
        for (Endpoint e : pool.endpoints()) {
            if (e.name().equals(t.server())) {
                if (t.up()) {
                    pool.checksPassed(e);
                } else {
                    pool.checksFailed(e);
                }
            }
        }
    }

    /** Polls the resource agent of every server of the pools that have {@code agent:}. */
    private void startAgentChecks() {
        for (PoolConfig pc : snapshot.config().pools()) {
            if (pc.agent().isEmpty()) {
                continue;
            }
            List<AgentTarget> targets = new ArrayList<>();
            for (Endpoint e : snapshot.pools().get(pc.name()).endpoints()) {
                targets.add(AgentTarget.of(pc.name(), e.name(), e.socketAddress(), pc.agent().get().port()));
            }
            agentChecks.add(AgentCheck.start(group, transport, targets, pc.agent().get().interval(), this::onAgentReport));
        }
    }

    /** Applies an agent's report to the server in the current snapshot; on an event loop, never blocks. */
    private void onAgentReport(AgentReport report) {
        Pool pool = snapshot.pools().get(report.target().pool());
        if (pool == null) {
            return;
        }
        for (ServerConfig sc : pool.config().servers()) {
            if (sc.name().equals(report.target().server())) {
                for (Endpoint e : pool.endpoints()) {
                    if (e.name().equals(sc.name())) {
                        AgentReports.apply(report, e, sc.weight());
                    }
                }
            }
        }
    }

    private ChannelInitializer<Channel> initializer(ListenerConfig lc, java.util.function.Supplier<ListenerSnapshot> current) {
        return switch (lc.mode()) {
            case HTTP -> new HttpFrontendInitializer(current, upstreams, tracker);
            case TCP -> new TcpFrontendInitializer(current, upstreams, tracker);
        };
    }

    /** The bound address of a listener (port 0 in the configuration is resolved here). */
    public InetSocketAddress address(String listener) {
        Channel ch = serverChannels.get(listener);
        if (ch == null) {
            throw new IllegalArgumentException("listener: '" + listener + "' (expected one of " + serverChannels.keySet() + ")");
        }
        return (InetSocketAddress) ch.localAddress();
    }

    /** The configuration being served. */
    public HalbConfig config() {
        return snapshot.config();
    }

    /** Counters of the proxy: connections, requests, retries, local answers. */
    public ConnectionTracker connections() {
        return tracker;
    }

    /** The endpoints of a pool, by server name, as balancers see them. */
    public List<Endpoint> endpoints(String pool) {
        Pool p = snapshot.pools().get(pool);
        return p == null ? List.of() : p.endpoints();
    }

    /** Requests waiting now in a pool's queue for a free slot (0 without max_connections). */
    public int queued(String pool) {
        Pool p = snapshot.pools().get(pool);
        return p == null || p.queue() == null ? 0 : p.queue().size();
    }

    /**
     * Stops gracefully: stops accepting, lets in-flight requests finish within {@code grace}, then
     * closes every connection and releases the event loops. Returns when everything is closed.
     */
    public synchronized void stop(Duration grace) {
        if (stopped) {
            return;
        }
        stopped = true;
        for (AgentCheck check : agentChecks) {
            check.close();
        }
        for (HealthChecker checker : healthCheckers) {
            checker.close();
        }
        List<Channel> closing = new ArrayList<>(serverChannels.values());
        for (Channel ch : closing) {
            ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        tracker.closeGracefully();
        long deadline = System.nanoTime() + grace.toNanos();
        while (tracker.open() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = tracker.open();
        if (left > 0) {
            log.info("closing {} connection(s) still open after the {} ms grace period", left, grace.toMillis());
        }
        tracker.closeAll().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /** Stops at once: {@code stop(Duration.ZERO)}. */
    @Override
    public void close() {
        stop(Duration.ZERO);
    }
}

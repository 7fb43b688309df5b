package io.halb.server;

import io.halb.admin.AccessLog;
import io.halb.admin.AdminServer;
import io.halb.admin.ControlPlane;
import io.halb.admin.Metrics;
import io.halb.config.AccessLogConfig;
import io.halb.admin.ReloadResult;
import io.halb.balance.Endpoint;
import io.halb.cluster.ClusterNode;
import io.halb.cluster.ClusterStatus;
import io.halb.cluster.VipHosts;
import io.halb.config.ConfigError;
import io.halb.config.ConfigException;
import io.halb.config.ConfigLoader;
import io.halb.config.HalbConfig;
import io.halb.config.ListenerConfig;
import io.halb.config.Mode;
import io.halb.guard.ConnectionGuardHandler;
import io.halb.guard.Limiters;
import io.halb.guard.SynPosture;
import io.halb.proxy.ClientAddress;
import io.halb.proxy.ConnectionTracker;
import io.halb.proxy.ListenerSnapshot;
import io.halb.proxy.Pool;
import io.halb.proxy.ProxyProtocolReceiver;
import io.halb.proxy.TrafficObserver;
import io.halb.proxy.Transport;
import io.halb.proxy.http.HttpFrontendInitializer;
import io.halb.proxy.tcp.TcpFrontendInitializer;
import io.halb.proxy.upstream.Upstreams;
import io.halb.tls.CertificateWatcher;
import io.halb.tls.TlsProviders;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.util.NettyRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running halb: its listeners bound and serving one configuration snapshot, which a reload
 * replaces whole.
 *
 * <p>Reload: the new configuration is validated and built into a snapshot (servers that keep their
 * identity keep their endpoint, so health, load and sticky sessions carry over); listeners whose
 * bind and mode are unchanged keep their socket and take the new routes for their next request;
 * new or changed listeners are bound before anything is swapped, so a failure leaves the old
 * snapshot serving. Connections in flight finish on the snapshot they started with.
 *
 * <p>Thread-safety: all methods may be called from any thread except an event loop. Reloads and
 * runtime changes are serialized by {@link #lock}; the data path reads only volatile snapshots.
 */
public final class Halb implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Halb.class);

    /** A bound listener and the snapshot its new connections take. */
    private record Bound(ListenerConfig config, Channel channel, AtomicReference<ListenerSnapshot> current) {}

    /** The listen backlog asked of the kernel; SynPosture warns when the kernel caps it lower. */
    private static final int BACKLOG = 4096;
    /**
     * One read-size allocator for all client connections, as each would get (adaptive, up to 16
     * reads per cycle, Netty's default for stream channels); the per-connection part is its handle.
     * Saves an allocator object per idle connection (issue 9's idle memory).
     */
    private static final RecvByteBufAllocator CLIENT_READS = new AdaptiveRecvByteBufAllocator().maxMessagesPerRead(16);
    /** How long a stopping cluster node waits for another to take its VIPs. */
    private static final Duration HANDOVER_BOUND = Duration.ofSeconds(2);
    /** How long a stopping node keeps a handed-over VIP's address for its connections to drain. */
    private static final Duration VIP_DRAIN_BOUND = Duration.ofSeconds(1);

    private final Transport transport;
    private final EventLoopGroup group;
    private final ConnectionTracker tracker = new ConnectionTracker();
    private final Upstreams upstreams;
    private final Events events = new Events();
    private final ObserverSwitch observer = new ObserverSwitch();
    private final long startedMillis = System.currentTimeMillis();
    private final Object lock = new Object();

    // Guarded by lock.
    private final Map<String, Bound> listeners = new LinkedHashMap<>();
    private HalbConfig fileConfig;
    private RuntimeOverrides overrides = RuntimeOverrides.NONE;
    private StateFile stateFile;
    private Checks checks;
    private Metrics metrics;
    /** Each listener's limits and their state, kept across reloads by listener name. */
    private Limiters limiters;
    private AccessLog accessLog;
    private AdminServer admin;
    private CertificateWatcher certificates;
    private boolean stopped;
    /** Listeners on a {@code driver: none} VIP are bound only while this node holds it: these hosts. */
    private VipHosts vipHosts = VipHosts.NONE;
    private final Set<String> openGated = new HashSet<>();

    private volatile ClusterNode cluster;
    private volatile ClusterState clusterState;

    private volatile Snapshot snapshot;
    private volatile long configLoadedMillis;

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
            halb.init(config);
        } catch (Exception e) {
            halb.stop(Duration.ZERO);
            throw e;
        }
        return halb;
    }

    private void init(HalbConfig config) throws Exception {
        synchronized (lock) {
            log.info("transport {}{}", transport.name().toLowerCase(),
                    transport == Transport.EPOLL ? "" : " (epoll unavailable: " + Transport.epollUnavailabilityCause() + ")");
            // SYN floods: say now, with the fix, what the kernel's settings would let through.
            SynPosture.check(BACKLOG).forEach(warning -> log.warn("{}", warning));
            if (usesTls(config)) {
                log.info("{}", TlsProviders.describe());
            }
            if (config.admin().stateFile().isPresent()) {
                stateFile = new StateFile(config.admin().stateFile().get());
                overrides = stateFile.load();
            }
            fileConfig = config;
            vipHosts = VipHosts.of(config.cluster());
            metrics = new Metrics(controlPlane());
            limiters = new Limiters(metrics);
            openAccessLog(config.accessLog());
            Snapshot s = build(config, null);
            snapshot = s;
            configLoadedMillis = System.currentTimeMillis();
            for (ListenerConfig lc : s.config().listeners()) {
                if (!parked(lc)) {
                    listeners.put(lc.name(), bind(lc, s.listeners().get(lc.name())));
                }
            }
            checks = Checks.start(s, () -> snapshot, group, transport, events);
            // Certificate and key files changed on disk serve the next handshakes.
            certificates = CertificateWatcher.start(() -> snapshot.tlsFiles());
            if (config.admin().enabled()) {
                admin = AdminServer.start(group, transport.serverChannel(), config.admin().bind().host(),
                        config.admin().bind().port(), config.admin().readToken(), controlPlane(), this::scrapeMetrics);
                log.info("admin on {}: dashboard http://{}/dashboard/, API /api/v1, metrics /metrics{}",
                        admin.address(), hostPort(admin.address()), config.admin().tokenFile().isPresent() ? " (bearer token required)" : "");
            }
        }
        if (config.cluster().isPresent()) {
            // Outside the lock: the cluster thread opens VIP listeners through it as soon as it has a view.
            ClusterNode node = ClusterNode.create(config.cluster().get(), new VipListeners(this));
            ClusterState state = new ClusterState(this, node);
            state.attach(snapshot);
            clusterState = state;
            node.start();
            cluster = node;
        }
    }

    /** A listener on a {@code driver: none} VIP that this node does not hold now. Holds the lock. */
    private boolean parked(ListenerConfig lc) {
        return vipHosts.gated(lc.bind().host()) && !openGated.contains(lc.bind().host());
    }

    /** Binds the listeners on {@code host} (this node took its VIP); all or none. Cluster thread. */
    void openGated(String host) throws Exception {
        synchronized (lock) {
            if (stopped || !openGated.add(host)) {
                return;
            }
            Map<String, Bound> fresh = new LinkedHashMap<>();
            try {
                for (ListenerConfig lc : snapshot.config().listeners()) {
                    if (lc.bind().host().equals(host) && !listeners.containsKey(lc.name())) {
                        fresh.put(lc.name(), bind(lc, snapshot.listeners().get(lc.name())));
                    }
                }
            } catch (Exception e) {
                fresh.values().forEach(b -> b.channel().close());
                openGated.remove(host);
                throw e;
            }
            listeners.putAll(fresh);
        }
    }

    /** Closes the listeners on {@code host} (this node gave its VIP up); accepted connections finish. Cluster thread. */
    void closeGated(String host) {
        synchronized (lock) {
            openGated.remove(host);
            listeners.values().removeIf(b -> {
                if (b.config().bind().host().equals(host)) {
                    b.channel().close();
                    log.info("listener {} on {} closed (VIP released)", b.config().name(), b.config().bind());
                    return true;
                }
                return false;
            });
        }
    }

    /** The cluster as this node sees it, when the configuration has {@code cluster:}. */
    public java.util.Optional<ClusterStatus> clusterStatus() {
        ClusterNode c = cluster;
        return c == null ? java.util.Optional.empty() : java.util.Optional.of(c.status());
    }

    private static boolean usesTls(HalbConfig config) {
        return config.listeners().stream().anyMatch(l -> l.tls().isPresent())
                || config.pools().stream().anyMatch(p -> p.tls().isPresent());
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The admin listener's bound address, if the configuration has {@code admin:}. */
    public java.util.Optional<InetSocketAddress> adminAddress() {
        synchronized (lock) {
            return admin == null ? java.util.Optional.empty() : java.util.Optional.of(admin.address());
        }
    }

    /** The configuration as loaded, with the runtime changes applied, built into a snapshot. */
    private Snapshot build(HalbConfig config, Snapshot previous) throws UnknownHostException {
        HalbConfig effective = config.withPools(overrides.applyServers(config));
        Snapshot s = Snapshot.build(effective, previous, group, observer);
        overrides.applyStates(s.pools());
        return s;
    }

    private Bound bind(ListenerConfig lc, ListenerSnapshot first) throws InterruptedException {
        AtomicReference<ListenerSnapshot> current = new AtomicReference<>(first);
        ServerBootstrap bootstrap = new ServerBootstrap();
        if (transport == Transport.EPOLL && lc.mode() == Mode.HTTP) {
            // Delayed binding (HAProxy's defer-accept): the kernel hands over a connection only once
            // the client has sent data, so a SYN flood or an idle connect costs no accept and no file
            // descriptor. HTTP only: in server-first protocols the client waits for the server.
            bootstrap.option(EpollChannelOption.TCP_DEFER_ACCEPT, SynPosture.deferAcceptSeconds());
        }
        if (transport == Transport.EPOLL && vipHosts.freebind(lc.bind().host())) {
            // The VIP's address comes and goes with ownership; the socket stays bound throughout.
            bootstrap.option(EpollChannelOption.IP_FREEBIND, true);
        }
        if (transport == Transport.EPOLL && vipHosts.gated(lc.bind().host())) {
            // A node taking a VIP over may bind while the one handing it over still listens.
            bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
        }
        Channel ch = bootstrap
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, BACKLOG)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, CLIENT_READS)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, lc.mode() == Mode.TCP)
                .childHandler(withProxyProtocol(lc, ConnectionGuardHandler.before(initializer(lc, current),
                        limiters.of(lc.name(), lc.limits()), lc.mode() == Mode.HTTP, ClientAddress::of)))
                .bind(lc.bind().host(), lc.bind().port())
                .sync()
                .channel();
        log.info("listener {} ({}) on {} -> pool {}", lc.name(), lc.mode().name().toLowerCase(), ch.localAddress(), lc.pool());
        return new Bound(lc, ch, current);
    }

    /** Trusted peers of the listener first send a PROXY protocol header naming the real client. */
    private ChannelInitializer<Channel> withProxyProtocol(ListenerConfig lc, ChannelInitializer<Channel> frontend) {
        if (lc.proxyProtocolFrom().isEmpty()) {
            return frontend;
        }
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(frontend);
                if (lc.expectsProxyProtocol(((InetSocketAddress) ch.remoteAddress()).getAddress())) {
                    ProxyProtocolReceiver.install(ch.pipeline(), snapshot.config().timeouts().headerRead());
                }
            }
        };
    }

    private ChannelInitializer<Channel> initializer(ListenerConfig lc, AtomicReference<ListenerSnapshot> current) {
        return switch (lc.mode()) {
            case HTTP -> new HttpFrontendInitializer(current::get, upstreams, tracker);
            case TCP -> new TcpFrontendInitializer(current::get, upstreams, tracker);
        };
    }

    /** Reads the configuration file again and applies it; an invalid file changes nothing. */
    public ReloadResult reloadFromFile() {
        HalbConfig next;
        synchronized (lock) {
            try {
                next = ConfigLoader.load(fileConfig.source());
            } catch (ConfigException e) {
                List<String> errors = e.errors().stream().map(ConfigError::toString).toList();
                log.warn("reload refused: {} error(s) in {}; still serving the previous configuration",
                        errors.size(), fileConfig.source());
                errors.forEach(err -> log.warn("  {}", err));
                events.publish("reload", "", "", "refused: " + errors.get(0));
                return new ReloadResult(false, errors, List.of());
            }
        }
        return reload(next);
    }

    /**
     * Applies a new configuration: validate, build, bind what is new, swap. Nothing changes when
     * any step fails.
     */
    public ReloadResult reload(HalbConfig next) {
        synchronized (lock) {
            if (stopped) {
                return new ReloadResult(false, List.of("halb is stopping"), List.of());
            }
            List<String> refused = FeatureGate.check(next).errors();
            if (!refused.isEmpty()) {
                return refuse(refused);
            }
            if (!Objects.equals(next.cluster(), fileConfig.cluster())) {
                return refuse(List.of(next.source() + ": cluster: changes to the cluster section take effect at a restart"));
            }
            ReloadResult result = apply(next);
            if (result.applied()) {
                log.info("reloaded {}: {}", next.source(), result.changes().isEmpty() ? "no change" : String.join("; ", result.changes()));
                events.publish("reload", "", "", result.changes().isEmpty() ? "no change" : String.join("; ", result.changes()));
            }
            return result;
        }
    }

    private ReloadResult refuse(List<String> errors) {
        log.warn("reload refused, still serving the previous configuration: {}", String.join("; ", errors));
        events.publish("reload", "", "", "refused: " + errors.get(0));
        return new ReloadResult(false, errors, List.of());
    }

    /** Builds and swaps in {@code next} with the current runtime changes. Holds the lock. */
    private ReloadResult apply(HalbConfig next) {
        Snapshot old = snapshot;
        Snapshot built;
        try {
            built = build(next, old);
        } catch (UnknownHostException | IllegalArgumentException e) {
            return refuse(List.of(next.source() + ": " + e.getMessage()));
        }
        List<String> changes = Changes.between(old, built);
        // Bind new and changed listeners first: a port in use must leave everything as it was.
        Map<String, Bound> fresh = new LinkedHashMap<>();
        for (ListenerConfig lc : built.config().listeners()) {
            Bound existing = listeners.get(lc.name());
            if (existing == null && parked(lc)) {
                continue;
            }
            if (existing == null || !sameSocket(existing.config(), lc)) {
                try {
                    fresh.put(lc.name(), bind(lc, built.listeners().get(lc.name())));
                } catch (Exception e) {
                    fresh.values().forEach(b -> b.channel().close());
                    return refuse(List.of("listeners." + lc.name() + ": cannot bind " + lc.bind() + ": " + e.getMessage()));
                }
            }
        }
        for (Map.Entry<String, Bound> e : new ArrayList<>(listeners.entrySet())) {
            String name = e.getKey();
            if (!built.listeners().containsKey(name) || fresh.containsKey(name)) {
                // Connections already accepted finish on the snapshot they hold.
                e.getValue().channel().close();
                listeners.remove(name);
            } else {
                e.getValue().current().set(built.listeners().get(name));
            }
        }
        listeners.putAll(fresh);
        limiters.configure(built.config().listeners());
        if (!next.accessLog().equals(fileConfig.accessLog())) {
            try {
                openAccessLog(next.accessLog());
            } catch (IOException e) {
                log.warn("access log: {}; keeping the previous one", e.getMessage());
            }
        }
        snapshot = built;
        if (clusterState != null) {
            clusterState.attach(built);
        }
        fileConfig = next;
        configLoadedMillis = System.currentTimeMillis();
        checks.close();
        checks = Checks.start(built, () -> snapshot, group, transport, events);
        return new ReloadResult(true, List.of(), changes);
    }

    /** Opens the configured access log (closing the previous one) and points the observers at it. Holds the lock. */
    private void openAccessLog(java.util.Optional<AccessLogConfig> config) throws IOException {
        AccessLog previous = accessLog;
        accessLog = config.isPresent() ? AccessLog.open(config.get()) : null;
        observer.set(accessLog == null ? metrics : TrafficObserver.of(List.of(metrics, accessLog)));
        if (previous != null) {
            previous.close();
        }
    }

    /** Reopens the access log file (after log rotation moved it away: SIGUSR1). */
    public void reopenLogs() {
        synchronized (lock) {
            if (accessLog != null) {
                try {
                    accessLog.reopen();
                } catch (IOException e) {
                    log.warn("access log: cannot reopen: {}", e.getMessage());
                }
            }
        }
    }

    /** The Prometheus text exposition of this instance's metrics; reads JMX and /proc: not on an event loop. */
    public String scrapeMetrics() {
        return metrics.scrape();
    }

    private static boolean sameSocket(ListenerConfig a, ListenerConfig b) {
        return a.bind().equals(b.bind()) && a.mode() == b.mode();
    }

    /** Changes the runtime overrides, keeps them in the state file, and rebuilds if servers changed. Holds the lock. */
    void changeOverrides(RuntimeOverrides next, boolean serversChanged) throws IOException {
        adopt(next, serversChanged);
        ClusterState state = clusterState;
        if (state != null) {
            state.overridesChanged(next);
        }
    }

    /**
     * Marks down the servers ({@code pool/server}) that the cluster's checks see down, when this
     * node has not checked them yet, and restarts the checks so that they start from there (a
     * server marked down comes back after {@code rise} passing checks). Returns how many it marked.
     */
    int adoptDownServers(java.util.Set<String> down) {
        synchronized (lock) {
            if (stopped) {
                return 0;
            }
            int marked = 0;
            for (Pool p : snapshot.pools().values()) {
                if (p.config().health().type() == io.halb.config.HealthConfig.Type.NONE) {
                    continue;
                }
                for (Endpoint e : p.endpoints()) {
                    if (e.healthy() && down.contains(RuntimeOverrides.key(p.name(), e.name()))) {
                        p.checksFailed(e);
                        marked++;
                    }
                }
            }
            if (marked > 0) {
                checks.close();
                checks = Checks.start(snapshot, () -> snapshot, group, transport, events);
            }
            return marked;
        }
    }

    /** Takes the runtime changes another node of the cluster made (or had when this one joined). */
    void adoptOverrides(RuntimeOverrides next) throws IOException {
        adopt(next, true);
    }

    private void adopt(RuntimeOverrides next, boolean serversChanged) throws IOException {
        synchronized (lock) {
            if (stateFile != null) {
                stateFile.save(next);
            }
            overrides = next;
            if (serversChanged) {
                ReloadResult r = apply(fileConfig);
                if (!r.applied()) {
                    throw new IllegalArgumentException(String.join("; ", r.errors()));
                }
            }
        }
    }

    RuntimeOverrides overrides() {
        synchronized (lock) {
            return overrides;
        }
    }

    Snapshot snapshot() {
        return snapshot;
    }

    Events events() {
        return events;
    }

    Checks checks() {
        synchronized (lock) {
            return checks;
        }
    }

    long startedMillis() {
        return startedMillis;
    }

    long configLoadedMillis() {
        return configLoadedMillis;
    }

    Transport transport() {
        return transport;
    }

    int eventLoops() {
        return snapshot.config().eventLoops() > 0 ? snapshot.config().eventLoops() : NettyRuntime.availableProcessors();
    }

    /** Replaces the observers told of every request and session (metrics, access log). */
    void observe(TrafficObserver next) {
        observer.set(next);
    }

    /** What the admin API may read and change of this instance. */
    public ControlPlane controlPlane() {
        return new AdminPlane(this);
    }

    /** The bound address of a listener (port 0 in the configuration is resolved here). */
    public InetSocketAddress address(String listener) {
        synchronized (lock) {
            Bound b = listeners.get(listener);
            if (b == null) {
                throw new IllegalArgumentException("listener: '" + listener + "' (expected one of " + listeners.keySet() + ")");
            }
            return (InetSocketAddress) b.channel().localAddress();
        }
    }

    /** The configuration being served (with runtime changes applied). */
    public HalbConfig config() {
        return snapshot.config();
    }

    /** A listener's limits and their state (open connections, client table), or {@code null}. */
    public io.halb.guard.Limiter limiter(String listener) {
        return limiters.get(listener);
    }

    /** Counters of the proxy: connections, requests, retries, local answers. */
    public ConnectionTracker connections() {
        return tracker;
    }

    /** The endpoints of a pool, as balancers see them. */
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
    public void stop(Duration grace) {
        ClusterNode c = cluster;
        if (c != null) {
            // Planned switchover: another node holds the VIPs before this one stops accepting.
            c.handOver(HANDOVER_BOUND);
        }
        List<Channel> closing = new ArrayList<>();
        synchronized (lock) {
            if (stopped) {
                return;
            }
            stopped = true;
            if (checks != null) {
                checks.close();
            }
            if (certificates != null) {
                certificates.close();
            }

            // Kept (closed) so address() still names where a listener was.
            listeners.values().forEach(b -> closing.add(b.channel()));
        }
        for (Channel ch : closing) {
            ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        tracker.closeGracefully();
        long deadline = System.nanoTime() + grace.toNanos();
        long vipDeadline = System.nanoTime() + VIP_DRAIN_BOUND.toNanos();
        while (tracker.open() > 0 && System.nanoTime() < deadline) {
            if (c != null && System.nanoTime() - vipDeadline > 0) {
                // Replies to clients already following the successor would go nowhere: stop waiting for them.
                c.releaseParked();
                c = null;
            }
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
        if (c != null) {
            c.releaseParked();
        }
        if (cluster != null) {
            cluster.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        synchronized (lock) {
            // Last: the requests that finished during the grace period are logged too.
            if (accessLog != null) {
                accessLog.close();
            }
        }
    }

    /** Stops at once: {@code stop(Duration.ZERO)}. */
    @Override
    public void close() {
        stop(Duration.ZERO);
    }
}

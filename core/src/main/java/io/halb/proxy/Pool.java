package io.halb.proxy;

import io.halb.balance.Balancer;
import io.halb.balance.Endpoint;
import io.halb.balance.PickContext;
import io.halb.balance.ServerState;
import io.halb.config.PersistenceConfig;
import io.halb.config.PoolConfig;
import io.halb.health.OutlierDetector;
import io.halb.health.SlowStart;
import io.halb.persist.PersistenceCookie;
import io.halb.persist.ServerIds;
import io.halb.persist.StickTable;
import io.halb.tls.ClientTls;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A pool as one snapshot serves it: its configuration, its endpoints, the balancer over them and
 * its persistence. Immutable but for the stick table, which is shared with the snapshots before
 * and after it so pins survive reloads.
 */
public final class Pool {

    /** Source-address pins kept at most, per pool. */
    public static final int STICK_TABLE_CAPACITY = 200_000;

    private final PoolConfig config;
    private final List<Endpoint> endpoints;
    private final Balancer balancer;
    private final Map<String, Endpoint> byId = new HashMap<>();
    private final Map<Endpoint, String> ids = new IdentityHashMap<>();
    private final PersistenceCookie cookie;
    private final StickTable stickTable;
    private final SlowStart slowStart;
    private final OutlierDetector outliers;
    private final RetryBudget retryBudget;
    /** Only for pools with a server that has max_connections; null otherwise (no cost on the data path). */
    private final RequestQueue queue;
    /** TLS to the servers (pool tls:), or null for plain TCP. */
    private final ClientTls tls;

    /**
     * @param previous  the pool of the same name in the snapshot being replaced, or {@code null}
     * @param scheduler runs the timers of slow start and outlier ejection (the event loops)
     */
    public Pool(PoolConfig config, List<Endpoint> endpoints, Pool previous, ScheduledExecutorService scheduler) {
        this(config, endpoints, previous, scheduler, null);
    }

    /** @param tls TLS to the servers, or {@code null} for plain TCP */
    public Pool(PoolConfig config, List<Endpoint> endpoints, Pool previous, ScheduledExecutorService scheduler,
                ClientTls tls) {
        this.config = config;
        this.tls = tls;
        this.endpoints = List.copyOf(endpoints);
        this.balancer = Balancer.of(config, this.endpoints);
        for (Endpoint e : this.endpoints) {
            String id = ServerIds.of(config.name(), e.name());
            byId.put(id, e);
            ids.put(e, id);
        }
        PersistenceConfig p = config.persistence();
        this.cookie = p.type() == PersistenceConfig.Type.COOKIE ? new PersistenceCookie(p) : null;
        if (p.type() == PersistenceConfig.Type.SOURCE_IP) {
            boolean keep = previous != null && previous.stickTable != null
                    && previous.config.persistence().equals(p);
            this.stickTable = keep ? previous.stickTable : new StickTable(p.ttl(), STICK_TABLE_CAPACITY);
        } else {
            this.stickTable = null;
        }
        this.slowStart = new SlowStart(config.slowStart(), scheduler);
        this.outliers = new OutlierDetector(config.name(), OutlierDetector.Policy.DEFAULT, this.endpoints, scheduler, slowStart);
        this.retryBudget = previous != null ? previous.retryBudget : new RetryBudget();
        boolean limited = this.endpoints.stream().anyMatch(e -> e.maxConnections() > 0);
        this.queue = limited ? new RequestQueue(config.maxQueue()) : null;
    }

    public String name() {
        return config.name();
    }

    public PoolConfig config() {
        return config;
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** TLS to this pool's servers (re-encryption), or {@code null} when they speak plain TCP. */
    public ClientTls tls() {
        return tls;
    }

    /** The source-IP stick table, or null when the pool does not use {@code persistence: source_ip}. */
    public StickTable stickTable() {
        return stickTable;
    }

    /** The server of that name in this pool, or {@code null}. */
    public Endpoint endpoint(String name) {
        for (Endpoint e : endpoints) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }

    /** A server for this request or connection, or {@code null} when none is available. */
    public Endpoint pick(PickContext context) {
        return balancer.pick(context);
    }

    /**
     * The server this client is pinned to, if persistence pins it to one that may take it: up, or
     * draining (a drained server still serves the sessions pinned to it).
     */
    public Endpoint pinned(PickContext context) {
        String id = null;
        if (cookie != null) {
            id = cookie.serverId(context.cookie(cookie.name()));
        } else if (stickTable != null) {
            id = stickTable.get(context.clientAddress());
        }
        if (id == null) {
            return null;
        }
        Endpoint e = byId.get(id);
        if (e == null || context.tried(e)) {
            return null;
        }
        ServerState s = e.state();
        return s == ServerState.UP || s == ServerState.DRAIN ? e : null;
    }

    /** Records the server a client was sent to, for source-address persistence. */
    public void pin(InetAddress client, Endpoint endpoint) {
        if (stickTable != null) {
            stickTable.put(client, ids.get(endpoint));
        }
    }

    /**
     * The Set-Cookie value that pins the client to {@code endpoint}, or {@code null} when the pool
     * does not insert cookies or the request already carried the right one.
     */
    public String setCookie(PickContext request, Endpoint endpoint, boolean secure) {
        if (cookie == null) {
            return null;
        }
        String id = ids.get(endpoint);
        if (id.equals(request.cookie(cookie.name()))) {
            return null;
        }
        return cookie.setCookie(id, secure);
    }

    /**
     * Records how a request or connection to {@code endpoint} ended, for outlier detection, and
     * hands the slot it freed to the oldest queued request.
     */
    public void record(Endpoint endpoint, boolean success) {
        outliers.record(endpoint, success);
        if (queue != null) {
            queue.slotFreed();
        }
    }

    /** The queue of requests waiting for a slot, or {@code null} when no server has max_connections. */
    public RequestQueue queue() {
        return queue;
    }

    /**
     * The active checks of {@code endpoint} passed again ({@code rise} times) after failing: it is
     * healthy, any ejection is lifted (Envoy's default), and it warms up through slow start.
     */
    public void checksPassed(Endpoint endpoint) {
        endpoint.healthy(true);
        outliers.liftEjection(endpoint);
        slowStart.begin(endpoint);
    }

    /** The active checks of {@code endpoint} failed {@code fall} times. */
    public void checksFailed(Endpoint endpoint) {
        slowStart.cancel(endpoint);
        endpoint.healthy(false);
    }

    /** The pool's retry budget, shared across reloads. */
    public RetryBudget retryBudget() {
        return retryBudget;
    }
}

package io.halb.balance;

import io.halb.config.HostPort;
import io.halb.config.ServerConfig;

import java.lang.ref.WeakReference;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A backend server as the balancers and the proxy see it at run time. One instance per server
 * identity (pool, name, address): a reload that keeps the server hands the same instance to the new
 * snapshot, so its state, load and counters carry over.
 *
 * <p>Thread-safety: shared by every event loop. Identity fields are final. State has several
 * sources (operator and agent, health checks, outlier detection, slow start), each written under
 * this object's lock by its owner; the combination balancers read, {@link #state()} and
 * {@link #weight()}, is volatile and read without locking. Load counters are atomics written by
 * the event loop that runs the request.
 */
public final class Endpoint {

    private final String pool;
    private final String name;
    private final HostPort address;
    private final InetSocketAddress socketAddress;
    private final boolean backup;
    private final int maxConnections;

    // Sources of state, each written by its own owner under this object's lock, volatile for readers.
    private volatile int baseWeight;
    private volatile int rampPercent = 100;
    private volatile ServerState adminState = ServerState.UP;
    private volatile boolean healthy = true;
    private volatile boolean ejected;
    // What balancers read on every pick: derived from the sources by recompute().
    private volatile int weight;
    private volatile ServerState state = ServerState.UP;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder requests = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder stateChanges = new LongAdder();
    /** Decaying average of response times in nanoseconds; 0 until the first response. */
    private final AtomicLong responseTimeEwmaNanos = new AtomicLong();

    /**
     * The balancers' watches, told when {@link #weight} or {@link #state} changes so that they
     * rebuild their tables. Held weakly: a balancer replaced by a reload is collected with its watch
     * and its cleared reference is dropped on the next {@link #watch}. Added to when a balancer is
     * built (off the hot path); iterated by whoever changes weight or state.
     */
    private final CopyOnWriteArrayList<WeakReference<ChangeWatch>> watches = new CopyOnWriteArrayList<>();

    /**
     * @param socketAddress the resolved address to connect to (resolved off the event loops)
     */
    public Endpoint(String pool, ServerConfig config, InetSocketAddress socketAddress) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.name = config.name();
        this.address = config.address();
        this.socketAddress = Objects.requireNonNull(socketAddress, "socketAddress");
        this.backup = config.backup();
        this.maxConnections = config.maxConnections();
        this.baseWeight = config.weight();
        this.weight = config.weight();
    }

    public String pool() { return pool; }

    public String name() { return name; }

    /** The address as configured. */
    public HostPort address() { return address; }

    /** The resolved address the proxy connects to. */
    public InetSocketAddress socketAddress() { return socketAddress; }

    public boolean backup() { return backup; }

    /**
     * The weight balancers use: the base weight (configuration, admin API, agent), scaled by the
     * slow-start ramp; 0 takes the server out of rotation.
     */
    public int weight() { return weight; }

    /** The weight before slow start: as configured, or as set by the admin API or the agent. */
    public int baseWeight() { return baseWeight; }

    /** Sets the base weight (0..256). */
    public synchronized void weight(int weight) {
        if (weight < 0 || weight > ServerConfig.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: 0.." + ServerConfig.MAX_WEIGHT + ")");
        }
        baseWeight = weight;
        recompute();
    }

    /**
     * Scales the weight while a server that came back warms up (slow start): 1..100 percent of the
     * base weight, never below 1 while the base weight is above 0.
     */
    public synchronized void rampPercent(int percent) {
        if (percent < 1 || percent > 100) {
            throw new IllegalArgumentException("percent: " + percent + " (expected: 1..100)");
        }
        rampPercent = percent;
        recompute();
    }

    public int rampPercent() { return rampPercent; }

    /**
     * What the server may be given now, combining every source: an operator's or agent's
     * {@link #state(ServerState) state}, the health checks' verdict and outlier ejection.
     * MAINT wins, then DOWN (forced, failed checks or ejected), then DRAIN, else UP.
     */
    public ServerState state() { return state; }

    /** The state an operator or the agent set (UP means ready; it does not override failed checks). */
    public ServerState adminState() { return adminState; }

    /** Sets the operator's or agent's state. */
    public synchronized void state(ServerState state) {
        adminState = Objects.requireNonNull(state, "state");
        recompute();
    }

    /** The active health checks' verdict; true until checks say otherwise. */
    public boolean healthy() { return healthy; }

    public synchronized void healthy(boolean healthy) {
        this.healthy = healthy;
        recompute();
    }

    /** Whether passive outlier detection has taken the server out for a while. */
    public boolean ejected() { return ejected; }

    public synchronized void ejected(boolean ejected) {
        this.ejected = ejected;
        recompute();
    }

    /** Recomputes what balancers read and tells them if it changed. Holds the lock. */
    private void recompute() {
        ServerState s;
        if (adminState == ServerState.MAINT) {
            s = ServerState.MAINT;
        } else if (adminState == ServerState.DOWN || !healthy || ejected) {
            s = ServerState.DOWN;
        } else if (adminState == ServerState.DRAIN) {
            s = ServerState.DRAIN;
        } else {
            s = ServerState.UP;
        }
        int w = baseWeight == 0 ? 0 : Math.max(1, baseWeight * rampPercent / 100);
        if (s != state) {
            stateChanges.increment();
        }
        if (s != state || w != weight) {
            state = s;
            weight = w;
            changed();
        }
    }

    /** Whether the server takes new, unpinned requests: up and with a weight above zero. */
    public boolean available() {
        return state == ServerState.UP && weight > 0;
    }

    /** Requests (http) or connections (tcp) in flight at most; 0 = no limit. */
    public int maxConnections() { return maxConnections; }

    /** Whether one more request may be sent now without exceeding {@link #maxConnections()}. */
    public boolean hasCapacity() {
        return maxConnections == 0 || inFlight.get() < maxConnections;
    }

    /** Requests (http) or connections (tcp) in flight to this server now. */
    public int inFlight() { return inFlight.get(); }

    public long requests() { return requests.sum(); }

    public long failures() { return failures.sum(); }

    /** How often {@link #state()} changed since the server was first configured. */
    public long stateChanges() { return stateChanges.sum(); }

    /** The decaying average response time in nanoseconds, 0 before any response. */
    public long responseTimeNanos() { return responseTimeEwmaNanos.get(); }

    /** Called by the proxy when a request or connection is sent to this server. */
    public void onStart() {
        inFlight.incrementAndGet();
        requests.increment();
    }

    /**
     * Called by the proxy exactly once per {@link #onStart()} when the request or connection ends.
     *
     * @param elapsedNanos time to the response head (http) or the connection's life (tcp);
     *                     negative when unknown (the server never answered)
     */
    public void onFinish(long elapsedNanos, boolean success) {
        inFlight.decrementAndGet();
        if (!success) {
            failures.increment();
        }
        if (elapsedNanos >= 0) {
            recordResponseTime(elapsedNanos);
        }
    }

    /** Folds a sample into the decaying average (weight 1/8 per sample, as TCP's SRTT). */
    private void recordResponseTime(long nanos) {
        long prev;
        long next;
        do {
            prev = responseTimeEwmaNanos.get();
            next = prev == 0 ? nanos : prev + ((nanos - prev) >> 3);
        } while (!responseTimeEwmaNanos.compareAndSet(prev, next));
    }


    /** Tells {@code watch} about every later change of weight or state. */
    void watch(ChangeWatch watch) {
        watches.removeIf(ref -> ref.get() == null);
        watches.add(new WeakReference<>(watch));
    }

    /** Called after the new weight or state is visible, so a watcher that sees the bump sees it. */
    private void changed() {
        for (WeakReference<ChangeWatch> ref : watches) {
            ChangeWatch watch = ref.get();
            if (watch != null) {
                watch.changed();
            }
        }
    }

    /** Whether {@code other} is the same server identity (pool, name, address). */
    public boolean sameIdentity(String pool, ServerConfig config) {
        return this.pool.equals(pool) && name.equals(config.name()) && address.equals(config.address());
    }

    @Override
    public String toString() {
        return pool + "/" + name + "(" + address + ")";
    }
}

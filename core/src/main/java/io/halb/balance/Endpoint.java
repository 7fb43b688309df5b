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
 * <p>Thread-safety: shared by every event loop. Identity fields are final. {@link #weight} and
 * {@link #state} are written by reloads, health checks and the admin API and read by balancers on
 * any event loop (volatile). Load counters are atomics written by the event loop that runs the
 * request.
 */
public final class Endpoint {

    private final String pool;
    private final String name;
    private final HostPort address;
    private final InetSocketAddress socketAddress;
    private final boolean backup;

    private volatile int weight;
    private volatile ServerState state = ServerState.UP;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder requests = new LongAdder();
    private final LongAdder failures = new LongAdder();
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
        this.weight = config.weight();
    }

    public String pool() { return pool; }

    public String name() { return name; }

    /** The address as configured. */
    public HostPort address() { return address; }

    /** The resolved address the proxy connects to. */
    public InetSocketAddress socketAddress() { return socketAddress; }

    public boolean backup() { return backup; }

    /** The current weight, 1..256; may change at run time (reload, admin API, agent, slow start). */
    public int weight() { return weight; }

    public void weight(int weight) {
        if (weight < 0 || weight > ServerConfig.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: 0.." + ServerConfig.MAX_WEIGHT + ")");
        }
        if (this.weight != weight) {
            this.weight = weight;
            changed();
        }
    }

    public ServerState state() { return state; }

    public void state(ServerState state) {
        Objects.requireNonNull(state, "state");
        if (this.state != state) {
            this.state = state;
            changed();
        }
    }

    /** Whether the server takes new, unpinned requests: up and with a weight above zero. */
    public boolean available() {
        return state == ServerState.UP && weight > 0;
    }

    /** Requests (http) or connections (tcp) in flight to this server now. */
    public int inFlight() { return inFlight.get(); }

    public long requests() { return requests.sum(); }

    public long failures() { return failures.sum(); }

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

    /** Seeds the average, e.g. with the pool's average for a server that just came back. */
    public void seedResponseTime(long nanos) {
        responseTimeEwmaNanos.set(Math.max(0, nanos));
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

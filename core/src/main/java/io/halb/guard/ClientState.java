package io.halb.guard;

import io.halb.config.LimitsConfig.Rate;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What halb remembers of one client address: its open connections and two rate limiters (new
 * connections, requests). The rate limiters are GCRA (the generic cell rate algorithm): a token
 * bucket kept as one number, the theoretical arrival time (TAT) of the next request; a request at
 * {@code now} is allowed when {@code TAT - now <= (burst - 1) * interval} and moves TAT one
 * interval on. That is exactly a bucket of {@code burst} tokens refilled at {@code rate} a second,
 * in one compare-and-set instead of a lock.
 *
 * <p>Thread-safety: lock-free; any event loop may update it (connections of one address land on
 * several event loops).
 */
final class ClientState {

    private static final VarHandle CONNECTIONS;
    private static final VarHandle CONNECTION_TAT;
    private static final VarHandle REQUEST_TAT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            CONNECTIONS = l.findVarHandle(ClientState.class, "connections", int.class);
            CONNECTION_TAT = l.findVarHandle(ClientState.class, "connectionTat", long.class);
            REQUEST_TAT = l.findVarHandle(ClientState.class, "requestTat", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int connections;
    private volatile long connectionTat;
    private volatile long requestTat;

    ClientState(long nowNanos) {
        connectionTat = nowNanos;
        requestTat = nowNanos;
    }

    /** Open connections now. */
    int connections() {
        return connections;
    }

    /** Counts one more connection unless {@code max} (0 = no limit) are open already. */
    boolean tryOpen(int max) {
        while (true) {
            int n = connections;
            if (max > 0 && n >= max) {
                return false;
            }
            if (CONNECTIONS.compareAndSet(this, n, n + 1)) {
                return true;
            }
        }
    }

    void closed() {
        CONNECTIONS.getAndAdd(this, -1);
    }

    boolean takeConnection(Rate rate, long nowNanos) {
        return take(CONNECTION_TAT, rate, nowNanos);
    }

    boolean takeRequest(Rate rate, long nowNanos) {
        return take(REQUEST_TAT, rate, nowNanos);
    }

    private boolean take(VarHandle tatHandle, Rate rate, long now) {
        if (!rate.limited()) {
            return true;
        }
        long interval = 1_000_000_000L / rate.rate();
        long tolerance = (rate.burst() - 1L) * interval;
        while (true) {
            long tat = (long) tatHandle.getVolatile(this);
            // Differences, not comparisons: nanoTime may be negative and wrap.
            long from = tat - now < 0 ? now : tat;
            if (from - now > tolerance) {
                return false;
            }
            if (tatHandle.compareAndSet(this, tat, from + interval)) {
                return true;
            }
        }
    }
}

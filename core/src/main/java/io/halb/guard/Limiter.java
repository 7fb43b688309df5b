package io.halb.guard;

import io.halb.config.Cidr;
import io.halb.config.LimitAction;
import io.halb.config.LimitsConfig;
import io.halb.guard.Refusal.Reason;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The limits of one listener and their state: its open connections and its table of client
 * addresses. It outlives reloads (kept by listener name in {@link Limiters}): new limits apply to
 * the next connection, counts carry over, and the table is kept unless its size changed.
 *
 * <p>Thread-safety: safe from every event loop; the configuration and the table are volatile
 * snapshots, counters are atomic.
 */
public final class Limiter {


    private final String listener;
    private final RefusalCounter counter;
    private final AtomicInteger connections = new AtomicInteger();
    private volatile LimitsConfig config;
    private volatile ClientTable table;

    Limiter(String listener, LimitsConfig config, RefusalCounter counter) {
        this.listener = listener;
        this.counter = counter;
        this.config = config;
        this.table = new ClientTable(config.tableSize());
    }

    /** Applies new limits to the next connection; keeps the table unless its size changed. */
    void configure(LimitsConfig next) {
        if (next.tableSize() != table.capacity()) {
            table = new ClientTable(next.tableSize());
        }
        config = next;
    }

    public LimitsConfig config() {
        return config;
    }

    public String listener() {
        return listener;
    }

    /** Open connections of the listener now. */
    public int connections() {
        return connections.get();
    }

    /** Client addresses remembered now: at most about table_size, plus those with open connections. */
    public int tableSize() {
        return table.size();
    }

    /**
     * Decides on a new connection from {@code client} (the address after the PROXY protocol). The
     * admission must be {@linkplain Admission#release() released} when the connection closes,
     * whatever it says.
     */
    public Admission admit(InetAddress client) {
        LimitsConfig c = config;
        if (contains(c.deny(), client)) {
            return refused(new Admission(this, c, null, false), Reason.DENY, new LimitAction.Drop());
        }
        int open = connections.incrementAndGet();
        Admission counted = new Admission(this, c, null, true);
        if (c.maxConnections() > 0 && open > c.maxConnections()) {
            return refused(counted, Reason.MAX_CONNECTIONS, new LimitAction.Drop());
        }
        if (contains(c.allow(), client)) {
            return counted;
        }
        if (c.overload().isPresent() && open > c.overload().get().maxConnections()) {
            return refused(counted, Reason.OVERLOAD, c.overload().get().action());
        }
        LimitsConfig.PerClient pc = c.perClient();
        if (pc.maxConnections() == 0 && !pc.connectionRate().limited() && !pc.requestRate().limited()) {
            return counted; // no per-client limit: the address need not be remembered
        }
        long now = System.nanoTime();
        ClientState state = table.get(client, now);
        if (!state.takeConnection(pc.connectionRate(), now)) {
            return refused(counted, Reason.CONNECTION_RATE, c.action());
        }
        if (!state.tryOpen(pc.maxConnections())) {
            return refused(counted, Reason.CLIENT_CONNECTIONS, c.action());
        }
        return new Admission(this, c, state, true);
    }

    private Admission refused(Admission admission, Reason reason, LimitAction action) {
        Refusal r = new Refusal(reason, action);
        counter.refused(listener, reason);
        return admission.withRefusal(r);
    }

    /** A request on an admitted connection: the client's request rate. */
    Refusal request(LimitsConfig c, ClientState state) {
        if (state == null || state.takeRequest(c.perClient().requestRate(), System.nanoTime())) {
            return null;
        }
        counter.refused(listener, Reason.REQUEST_RATE);
        return new Refusal(Reason.REQUEST_RATE, c.action());
    }

    /** A refusal the proxy made itself (a body too slow, a slow reader): counted here. */
    public void count(Reason reason) {
        counter.refused(listener, reason);
    }

    void released(boolean counted, ClientState state) {
        if (counted) {
            connections.decrementAndGet();
        }
        if (state != null) {
            state.closed();
        }
    }

    private static boolean contains(List<Cidr> blocks, InetAddress address) {
        for (Cidr c : blocks) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** Told of each refusal, for the metrics. Called on event loops: quick, never blocking. */
    @FunctionalInterface
    public interface RefusalCounter {
        RefusalCounter NONE = (listener, reason) -> { };

        void refused(String listener, Reason reason);
    }
}

package io.halb.balance;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A balancer's table (a tier, a schedule, a hash table) over a fixed list of endpoints, rebuilt
 * lazily on the first pick after a weight or state changed.
 *
 * <p>The hot path is two volatile reads: the current table and the watch's version. When they
 * disagree, one caller rebuilds while concurrent callers keep using the stale table, which is safe
 * because every pick re-checks {@link Endpoint#available()} on what it returns. A change during a
 * rebuild bumps the version past the one the new table carries, so the next pick rebuilds again.
 *
 * @param <T> the table; immutable once built
 */
final class LiveTable<T> {

    /** Builds a table from the endpoints' current weights and states. */
    @FunctionalInterface
    interface Builder<T> {
        /** @param previous the table being replaced, {@code null} the first time (tables may reuse parts) */
        T build(List<Endpoint> endpoints, T previous);
    }

    private record Built<T>(int version, T table) {}

    private final List<Endpoint> endpoints;
    private final Builder<T> builder;
    private final ChangeWatch watch = new ChangeWatch();
    /** Held by the one caller that rebuilds. */
    private final AtomicBoolean rebuilding = new AtomicBoolean();
    /** Written by the rebuilding caller, read by every pick. */
    private volatile Built<T> current;

    LiveTable(List<Endpoint> endpoints, Builder<T> builder) {
        this.endpoints = List.copyOf(endpoints);
        this.builder = builder;
        // Watch before the first read of any state, so no change can fall between the two.
        for (Endpoint e : this.endpoints) {
            e.watch(watch);
        }
        int version = watch.version();
        current = new Built<>(version, builder.build(this.endpoints, null));
    }

    List<Endpoint> endpoints() {
        return endpoints;
    }

    /** The table for the endpoints' current weights and states (or a slightly stale one, see above). */
    T get() {
        Built<T> built = current;
        if (built.version() == watch.version()) {
            return built.table();
        }
        return rebuild(built);
    }

    private T rebuild(Built<T> stale) {
        if (!rebuilding.compareAndSet(false, true)) {
            return stale.table();
        }
        try {
            int version = watch.version();
            Built<T> latest = current;
            if (latest.version() == version) {
                return latest.table();
            }
            Built<T> built = new Built<>(version, builder.build(endpoints, latest.table()));
            current = built;
            return built.table();
        } finally {
            rebuilding.set(false);
        }
    }
}

package io.halb.balance;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A version number that a balancer's endpoints bump whenever one of their weights or states
 * changes. A balancer compares it with the version its table was built at, one volatile read per
 * pick, and rebuilds the table when they differ.
 *
 * <p>Thread-safety: bumped by whoever changes an endpoint (health checks, admin API, agent), read by
 * every event loop.
 */
final class ChangeWatch {

    private final AtomicInteger version = new AtomicInteger();

    int version() {
        return version.get();
    }

    void changed() {
        version.incrementAndGet();
    }
}

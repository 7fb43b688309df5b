package io.halb.proxy;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds retries so that a sick pool cannot double its own load (Envoy's retry budget): retries in
 * flight may be at most a share of the requests in flight, but a few are always allowed so a
 * quiet pool still retries.
 *
 * <p>Thread-safety: lock-free; used by every event loop.
 */
public final class RetryBudget {

    /** Retries in flight as a share of requests in flight, in percent. */
    static final int PERCENT = 20;
    /** Retries that may always be in flight, however few requests are. */
    static final int MIN_CONCURRENT = 3;

    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger retrying = new AtomicInteger();

    public void requestStarted() {
        active.incrementAndGet();
    }

    public void requestEnded() {
        active.decrementAndGet();
    }

    /** Takes a retry token if the budget allows one; the caller gives it back with {@link #retryEnded()}. */
    public boolean tryRetry() {
        int allowed = Math.max(MIN_CONCURRENT, active.get() * PERCENT / 100);
        while (true) {
            int r = retrying.get();
            if (r >= allowed) {
                return false;
            }
            if (retrying.compareAndSet(r, r + 1)) {
                return true;
            }
        }
    }

    public void retryEnded() {
        retrying.decrementAndGet();
    }
}

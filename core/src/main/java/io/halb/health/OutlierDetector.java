package io.halb.health;

import io.halb.balance.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Passive outlier detection for one pool, after Envoy's consecutive-failure detection: a server
 * whose requests fail {@code consecutiveFailures} times in a row (refused or failed connects,
 * resets, timeouts, 5xx) is ejected for {@code baseEjection} times the number of its ejections so
 * far, at most {@code maxEjection}. Never more than {@code maxEjectedPercent} of the pool is ejected
 * at once (but always at least one server may be), so a pool-wide problem does not empty the pool.
 * The ejection ends by itself, or earlier when the server's active checks pass again after failing
 * (Envoy's default), and the server is handed to {@link SlowStart}.
 *
 * <p>Thread-safety: {@link #record} is called by every event loop; counting is lock-free and only
 * the rare ejection decision takes the detector's lock.
 */
public final class OutlierDetector {

    private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);

    /** The detection rule; Envoy's defaults. */
    public record Policy(int consecutiveFailures, Duration baseEjection, Duration maxEjection, int maxEjectedPercent) {
        public static final Policy DEFAULT = new Policy(5, Duration.ofSeconds(30), Duration.ofSeconds(300), 10);

        public Policy {
            if (consecutiveFailures < 1) {
                throw new IllegalArgumentException("consecutive_failures: " + consecutiveFailures + " (expected: >= 1)");
            }
            if (maxEjectedPercent < 0 || maxEjectedPercent > 100) {
                throw new IllegalArgumentException("max_ejected_percent: " + maxEjectedPercent + " (expected: 0..100)");
            }
        }
    }

    private static final class Tracker {
        final AtomicInteger consecutiveFailures = new AtomicInteger();
        /** Guarded by the detector. */
        int ejections;
        /** Guarded by the detector; tells an ejection's timer whether its ejection is still the current one. */
        int generation;
    }

    private final String pool;
    private final Policy policy;
    private final List<Endpoint> endpoints;
    private final Map<Endpoint, Tracker> trackers = new IdentityHashMap<>();
    private final ScheduledExecutorService scheduler;
    private final SlowStart slowStart;

    /**
     * @param scheduler where ejections are ended (an event loop group: the task only flips a flag)
     * @param slowStart warms up a server whose ejection ended
     */
    public OutlierDetector(String pool, Policy policy, List<Endpoint> endpoints, ScheduledExecutorService scheduler,
                           SlowStart slowStart) {
        this.pool = pool;
        this.policy = policy;
        this.endpoints = List.copyOf(endpoints);
        this.scheduler = scheduler;
        this.slowStart = slowStart;
        for (Endpoint e : this.endpoints) {
            trackers.put(e, new Tracker());
        }
    }

    /** Records the outcome of a request or connection on {@code endpoint}. */
    public void record(Endpoint endpoint, boolean success) {
        Tracker t = trackers.get(endpoint);
        if (t == null) {
            return;
        }
        if (success) {
            // Read first: on a healthy server the counter is 0 and stays unwritten (no cache-line ping-pong).
            if (t.consecutiveFailures.get() != 0) {
                t.consecutiveFailures.set(0);
            }
            return;
        }
        if (t.consecutiveFailures.incrementAndGet() >= policy.consecutiveFailures()) {
            maybeEject(endpoint, t);
        }
    }

    private synchronized void maybeEject(Endpoint endpoint, Tracker t) {
        if (endpoint.ejected() || t.consecutiveFailures.get() < policy.consecutiveFailures()) {
            return;
        }
        int ejected = 0;
        for (Endpoint e : endpoints) {
            if (e.ejected()) {
                ejected++;
            }
        }
        int allowed = Math.max(1, endpoints.size() * policy.maxEjectedPercent() / 100);
        if (ejected >= allowed) {
            return;
        }
        t.ejections++;
        long nanos = Math.min(policy.baseEjection().toNanos() * t.ejections, policy.maxEjection().toNanos());
        int failures = t.consecutiveFailures.getAndSet(0);
        int generation = ++t.generation;
        endpoint.ejected(true);
        log.warn("server {}/{} ejected for {} ms after {} consecutive failures (ejection {})",
                pool, endpoint.name(), TimeUnit.NANOSECONDS.toMillis(nanos), failures, t.ejections);
        scheduler.schedule(() -> endEjection(endpoint, t, generation), nanos, TimeUnit.NANOSECONDS);
    }

    private synchronized void endEjection(Endpoint endpoint, Tracker t, int generation) {
        // Lifted earlier by a passing check, or a newer ejection began since: not this timer's to end.
        if (t.generation != generation || !endpoint.ejected()) {
            return;
        }
        endpoint.ejected(false);
        log.info("server {}/{} back from ejection", pool, endpoint.name());
        slowStart.begin(endpoint);
    }

    /**
     * The server's active checks pass again after failing: whatever ejected it is over, as far as
     * the checks can tell, so the ejection is lifted now rather than when its time runs out.
     *
     * @return whether the server was ejected
     */
    public synchronized boolean liftEjection(Endpoint endpoint) {
        Tracker t = trackers.get(endpoint);
        if (t == null || !endpoint.ejected()) {
            return false;
        }
        t.generation++;
        t.consecutiveFailures.set(0);
        endpoint.ejected(false);
        log.info("server {}/{} ejection lifted: its health checks pass again", pool, endpoint.name());
        return true;
    }
}

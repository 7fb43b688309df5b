package io.halb.health;

import io.halb.balance.Endpoint;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Warms up a server that comes back (after failed checks or an ejection): its weight starts at a
 * tenth and grows in ten steps over the pool's {@code slow_start}, so a cold cache or JIT is not
 * hit by a full share at once. Steps rather than a continuous ramp, because every weight change
 * makes the balancers rebuild their tables.
 *
 * <p>Thread-safety: safe from any thread.
 */
public final class SlowStart {

    private static final int STEPS = 10;

    private final Duration duration;
    private final ScheduledExecutorService scheduler;
    private final Map<Endpoint, ScheduledFuture<?>> ramps = new ConcurrentHashMap<>();

    /** @param duration the pool's {@code slow_start}; zero turns the ramp off */
    public SlowStart(Duration duration, ScheduledExecutorService scheduler) {
        this.duration = duration;
        this.scheduler = scheduler;
    }

    /** Starts the ramp of a server that just came back (a no-op without slow start). */
    public void begin(Endpoint endpoint) {
        if (duration.isZero() || duration.isNegative()) {
            return;
        }
        cancel(endpoint);
        endpoint.rampPercent(100 / STEPS);
        long stepNanos = duration.toNanos() / STEPS;
        ScheduledFuture<?> task = scheduler.scheduleAtFixedRate(() -> step(endpoint), stepNanos, stepNanos, TimeUnit.NANOSECONDS);
        ramps.put(endpoint, task);
    }

    /** Stops a ramp at full weight, e.g. when the server goes down again or the pool is reloaded. */
    public void cancel(Endpoint endpoint) {
        ScheduledFuture<?> task = ramps.remove(endpoint);
        if (task != null) {
            task.cancel(false);
        }
        endpoint.rampPercent(100);
    }

    private void step(Endpoint endpoint) {
        int next = Math.min(100, endpoint.rampPercent() + 100 / STEPS);
        endpoint.rampPercent(next);
        if (next >= 100) {
            ScheduledFuture<?> task = ramps.remove(endpoint);
            if (task != null) {
                task.cancel(false);
            }
        }
    }
}

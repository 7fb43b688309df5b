package io.halb.health;

import io.halb.config.Durations;
import io.halb.config.HealthConfig;
import io.halb.proxy.Transport;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Runs a pool's active health check against each of its servers and decides, from consecutive
 * results, whether each server is up: a server starts UP (as HAProxy assumes), goes DOWN after
 * {@code fall} failed checks in a row, and comes back UP after {@code rise} successful ones.
 *
 * <pre>
 *            fall failures in a row
 *      ┌────┐ ─────────────────────► ┌──────┐
 *  ──► │ UP │                        │ DOWN │
 *      └────┘ ◄───────────────────── └──────┘
 *            rise successes in a row
 * </pre>
 *
 * <p>Each server is checked every {@code interval}, each time give or take {@value #JITTER_PERCENT}%
 * at random, so that the checks of many servers spread out instead of arriving together; the
 * interval runs from the start of one check to the start of the next. The first check comes at a
 * random moment within {@code min(interval, 500ms)} of {@link #start}.
 *
 * <p>Each transition is delivered once to the callback and logged once (DOWN at WARN, UP at INFO,
 * with the last check's reason); single checks are logged at DEBUG only.
 *
 * <p>Thread-safety: {@link #start}, {@link #status}, {@link #statuses} and {@link #close} may be
 * called from any thread. Each server is checked by one event loop of the group, which also runs the
 * callback for its transitions: the callback must not block. Transitions of one server arrive in
 * order; those of different servers may arrive concurrently.
 */
public final class HealthChecker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    static final int JITTER_PERCENT = 15;
    private static final double JITTER = JITTER_PERCENT / 100.0;
    private static final long FIRST_CHECK_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final HealthConfig config;
    private final HealthCheck check;
    /** Keyed by "pool/server"; built by the constructor, never changed. */
    private final Map<String, Prober> probers;
    /** Written once by {@link #close}; read by the probers on their event loops. */
    private volatile boolean closed;

    private HealthChecker(EventLoopGroup group, HealthCheck check, List<HealthTarget> targets, HealthConfig config,
                          Predicate<HealthTarget> startsUp, Consumer<HealthTransition> onTransition) {
        this.config = config;
        this.check = check;
        Instant now = Instant.now();
        long intervalNanos = config.interval().toNanos();
        Map<String, Prober> byKey = new LinkedHashMap<>();
        for (HealthTarget t : targets) {
            String key = key(t.pool(), t.server());
            if (byKey.containsKey(key)) {
                throw new IllegalArgumentException("targets: " + key + " appears twice (expected: one target per server)");
            }
            byKey.put(key, new Prober(t, group.next(), startsUp.test(t), now, intervalNanos, onTransition));
        }
        this.probers = Collections.unmodifiableMap(byKey);
    }

    /**
     * Starts checking {@code targets} with the check {@code config} describes (type tcp or http),
     * every target starting UP.
     *
     * @param group        the event loops that run the checks; nothing here blocks them
     * @param transport    whose socket channel class to use with {@code group}
     * @param onTransition receives each change of a target's state, once, on that target's event
     *                     loop; must not block
     * @throws IllegalArgumentException when {@code config}'s type is none, or a pool/server pair
     *                                  appears twice
     */
    public static HealthChecker start(EventLoopGroup group, Transport transport, List<HealthTarget> targets,
                                      HealthConfig config, Consumer<HealthTransition> onTransition) {
        return start(group, transport, targets, config, t -> true, onTransition);
    }

    /**
     * As {@link #start(EventLoopGroup, Transport, List, HealthConfig, Consumer)}, with each target's
     * first state given by {@code startsUp}: after a reload, a server that was DOWN stays DOWN until
     * {@code rise} checks pass.
     */
    public static HealthChecker start(EventLoopGroup group, Transport transport, List<HealthTarget> targets,
                                      HealthConfig config, Predicate<HealthTarget> startsUp,
                                      Consumer<HealthTransition> onTransition) {
        return start(group, transport, targets, config, startsUp, onTransition, null);
    }

    /** As above, over TLS when {@code tls} is not null (pools with {@code tls:}). */
    public static HealthChecker start(EventLoopGroup group, Transport transport, List<HealthTarget> targets,
                                      HealthConfig config, Predicate<HealthTarget> startsUp,
                                      Consumer<HealthTransition> onTransition, TlsLayer tls) {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(startsUp, "startsUp");
        Objects.requireNonNull(onTransition, "onTransition");
        HealthCheck check = HealthCheck.of(config, transport, tls);
        return start(group, check, targets, config, startsUp, onTransition);
    }

    /** With any check, for tests. */
    static HealthChecker start(EventLoopGroup group, HealthCheck check, List<HealthTarget> targets,
                               HealthConfig config, Predicate<HealthTarget> startsUp,
                               Consumer<HealthTransition> onTransition) {
        Objects.requireNonNull(config, "config");
        HealthChecker checker = new HealthChecker(group, check, List.copyOf(targets), config, startsUp, onTransition);
        long intervalNanos = config.interval().toNanos();
        log.debug("{} of {} server(s) every {}", check, checker.probers.size(), Durations.format(config.interval()));
        long window = Math.min(intervalNanos, FIRST_CHECK_WINDOW_NANOS);
        for (Prober p : checker.probers.values()) {
            p.schedule(ThreadLocalRandom.current().nextLong(window));
        }
        return checker;
    }

    private static String key(String pool, String server) {
        return pool + "/" + server;
    }

    /**
     * The delay until the next check: {@code intervalNanos} times a factor between
     * {@code 1 - JITTER} and {@code 1 + JITTER}, picked by {@code uniform} in [0, 1).
     */
    static long jittered(long intervalNanos, double uniform) {
        return (long) (intervalNanos * (1 - JITTER + 2 * JITTER * uniform));
    }

    public HealthConfig config() {
        return config;
    }

    public HealthCheck check() {
        return check;
    }

    public List<HealthTarget> targets() {
        List<HealthTarget> out = new ArrayList<>(probers.size());
        for (Prober p : probers.values()) {
            out.add(p.target);
        }
        return out;
    }

    /**
     * What the checks know of {@code pool}/{@code server} now.
     *
     * @throws IllegalArgumentException when this checker does not check that server
     */
    public HealthStatus status(String pool, String server) {
        Prober p = probers.get(key(pool, server));
        if (p == null) {
            throw new IllegalArgumentException("server " + key(pool, server) + " is not checked here (checked: "
                    + String.join(", ", probers.keySet()) + ")");
        }
        return p.status;
    }

    /** The status of every target, in the order of the targets. */
    public List<HealthStatus> statuses() {
        List<HealthStatus> out = new ArrayList<>(probers.size());
        for (Prober p : probers.values()) {
            out.add(p.status);
        }
        return out;
    }

    /**
     * Stops checking. No transition is delivered once the event loops have seen this (a callback
     * already running may finish); a check in flight is abandoned and its connection closed.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Prober p : probers.values()) {
            try {
                p.loop.execute(p::stop);
            } catch (RejectedExecutionException e) {
                // The group is shutting down: its channels and timers go with it.
            }
        }
    }

    /**
     * Checks one target and keeps its state. Confined to {@link #loop}, except {@link #status},
     * which it publishes for any thread.
     */
    private final class Prober {
        private final HealthTarget target;
        private final EventLoop loop;
        private final long intervalNanos;
        private final Consumer<HealthTransition> onTransition;

        private boolean up;
        private Instant since;
        private int successes;
        private int failures;
        private ScheduledFuture<?> next;
        private Future<HealthCheck.Result> inFlight;
        /** Whether the callback failed last time, so that a broken callback is logged once. */
        private boolean callbackFailing;
        /** Written on the loop after every check; read by anyone. */
        private volatile HealthStatus status;

        Prober(HealthTarget target, EventLoop loop, boolean up, Instant now, long intervalNanos,
               Consumer<HealthTransition> onTransition) {
            this.target = target;
            this.loop = loop;
            this.up = up;
            this.since = now;
            this.intervalNanos = intervalNanos;
            this.onTransition = onTransition;
            this.status = HealthStatus.initial(target, up, now);
        }

        /** Any thread. */
        void schedule(long delayNanos) {
            try {
                loop.execute(() -> {
                    if (!closed) {
                        next = loop.schedule(this::run, delayNanos, TimeUnit.NANOSECONDS);
                    }
                });
            } catch (RejectedExecutionException e) {
                log.debug("{}: event loop shut down before the first check", target);
            }
        }

        private void run() {
            next = null;
            if (closed) {
                return;
            }
            long startNanos = System.nanoTime();
            Instant startedAt = Instant.now();
            Future<HealthCheck.Result> f = check.check(loop, target);
            inFlight = f;
            f.addListener(done -> completed(f, startNanos, startedAt));
        }

        private void completed(Future<HealthCheck.Result> f, long startNanos, Instant startedAt) {
            if (inFlight == f) {
                inFlight = null;
            }
            if (f.isCancelled() || closed) {
                return;
            }
            HealthCheck.Result r = f.isSuccess() ? f.getNow()
                    : HealthCheck.Result.failed(HealthCheckAttempt.reason(f.cause(), check.timeout()));
            long now = System.nanoTime();
            apply(r, startedAt, Duration.ofNanos(now - startNanos));
            long jittered = jittered(intervalNanos, ThreadLocalRandom.current().nextDouble());
            // A check slower than the interval is followed by a short pause, not by an immediate one.
            long delay = Math.max(intervalNanos / 10, startNanos + jittered - now);
            if (!closed) {
                next = loop.schedule(this::run, delay, TimeUnit.NANOSECONDS);
            }
        }

        private void apply(HealthCheck.Result r, Instant startedAt, Duration took) {
            HealthTransition transition = null;
            if (r.passed()) {
                successes++;
                failures = 0;
                if (!up && successes >= config.rise()) {
                    up = true;
                    since = Instant.now();
                    transition = new HealthTransition(target.pool(), target.server(), true, r.reason(), successes);
                }
            } else {
                failures++;
                successes = 0;
                if (up && failures >= config.fall()) {
                    up = false;
                    since = Instant.now();
                    transition = new HealthTransition(target.pool(), target.server(), false, r.reason(), failures);
                }
            }
            status = new HealthStatus(target.pool(), target.server(), up, since, Optional.of(r),
                    Optional.of(startedAt), took, successes, failures);
            if (transition == null) {
                if (log.isDebugEnabled()) {
                    log.debug("{}: check {} in {} ms ({} {})", target, r, took.toMillis(),
                            up ? "UP" : "DOWN", r.passed() ? successes + " passed" : failures + " failed");
                }
                return;
            }
            if (transition.up()) {
                log.info("{}", transition);
            } else {
                log.warn("{}", transition);
            }
            deliver(transition);
        }

        private void deliver(HealthTransition transition) {
            try {
                onTransition.accept(transition);
                callbackFailing = false;
            } catch (RuntimeException e) {
                if (!callbackFailing) {
                    callbackFailing = true;
                    log.warn("{}: the transition callback failed (logged once until it succeeds)", target, e);
                } else {
                    log.debug("{}: the transition callback failed again", target, e);
                }
            }
        }

        void stop() {
            if (next != null) {
                next.cancel(false);
                next = null;
            }
            if (inFlight != null) {
                inFlight.cancel(false);
                inFlight = null;
            }
        }
    }
}

package io.halb.jmh;

import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What re-arming a keep-alive connection's idle timer costs per request, the two ways
 * {@code HttpFrontendHandler} has done it: {@code scheduleAndCancel} (before issue 9: a new task
 * into the event loop's timer queue per request, cancelled when the next request arrives) and
 * {@code lazyDeadline} (now: the request moves a deadline; the task already queued stays). The queue
 * holds {@code connections} other timers, as an event loop with that many connections does. Runs on
 * an {@link EmbeddedChannel}'s loop, whose caller is always "in the event loop", like halb's handler.
 *
 * <p>{@code java -jar jmh/target/halb-jmh.jar IdleTimerBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IdleTimerBenchmark {

    private static final long LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    @Param({"50", "1000"})
    public int connections;

    private EmbeddedChannel channel;
    private EventLoop loop;
    private final List<ScheduledFuture<?>> others = new ArrayList<>();
    private final Runnable onTimeout = () -> { };
    private ScheduledFuture<?> queued;
    private long deadline;

    @Setup
    public void setUp() {
        channel = new EmbeddedChannel();
        loop = channel.eventLoop();
        for (int i = 0; i < connections; i++) {
            others.add(loop.schedule(onTimeout, LIMIT_NANOS + i, TimeUnit.NANOSECONDS));
        }
        queued = loop.schedule(onTimeout, LIMIT_NANOS, TimeUnit.NANOSECONDS);
    }

    @TearDown
    public void tearDown() {
        others.forEach(f -> f.cancel(false));
        channel.finishAndReleaseAll();
    }

    @Benchmark
    public ScheduledFuture<?> scheduleAndCancel() {
        queued.cancel(false);
        queued = loop.schedule(onTimeout, LIMIT_NANOS, TimeUnit.NANOSECONDS);
        return queued;
    }

    @Benchmark
    public long lazyDeadline() {
        deadline = System.nanoTime() + LIMIT_NANOS;
        return deadline;
    }
}

package io.halb.proxy.http;

import io.netty.channel.embedded.EmbeddedChannel;

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
 * What re-arming a keep-alive connection's idle timer costs per request now that one
 * {@link IdleSweeper} per event loop keeps the deadlines (issue 9's idle memory): the request's
 * arrival disarms (clears the deadline), its end re-arms (a new deadline handed to the sweeper,
 * which already holds the handler). The sweeper holds {@code connections} other armed handlers,
 * as an event loop with that many connections does. Compare with {@code IdleTimerBenchmark}
 * ({@code lazyDeadline}: the way before, a deadline and one queued task per connection). Runs on an
 * {@link EmbeddedChannel}'s loop, whose caller is always "in the event loop", like halb's handler.
 * Lives in halb's package because the sweeper is package-private.
 *
 * <p>{@code java -jar jmh/target/halb-jmh.jar IdleSweeperBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IdleSweeperBenchmark {

    private static final long LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    @Param({"50", "1000"})
    public int connections;

    private EmbeddedChannel channel;
    private IdleSweeper sweeper;
    private HttpFrontendHandler handler;

    @Setup
    public void setUp() {
        channel = new EmbeddedChannel();
        sweeper = IdleSweeper.of(channel.eventLoop());
        for (int i = 0; i < connections; i++) {
            arm(new HttpFrontendHandler(null, null, null));
        }
        handler = new HttpFrontendHandler(null, null, null);
        arm(handler);
    }

    @TearDown
    public void tearDown() {
        channel.finishAndReleaseAll();
    }

    private long arm(HttpFrontendHandler h) {
        long deadline = System.nanoTime() + LIMIT_NANOS;
        h.idleDeadlineNanos = deadline;
        sweeper.armed(h, deadline);
        return deadline;
    }

    /** One keep-alive request's worth: disarmed when it arrives, re-armed when it is done. */
    @Benchmark
    public long disarmAndRearm() {
        handler.idleDeadlineNanos = 0;
        return arm(handler);
    }
}

package io.halb.health;

import io.halb.proxy.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Polls resource agents with HAProxy's agent-check protocol: every interval (give or take 10%, so
 * that checks spread out) it connects to each target, reads the one line the agent writes, and hands
 * the parsed {@link AgentReport} to a callback. A refused, reset or silent agent gives an
 * {@linkplain AgentReport#unreachable() unreachable} report, which must not change the server.
 *
 * <p>A change of an agent's state, a large change of its weight (10 points or more, or to or from
 * 0%) and a change of reachability are logged once at INFO; small weight moves at DEBUG; garbage in a
 * reply at WARN, once per distinct garbage.
 *
 * <p>Thread-safety: {@link #start} and {@link #close} may be called from any thread. Each target is
 * polled by one event loop of the group, which also runs the callback for its reports: the callback
 * must not block (setting an {@code Endpoint}'s weight and state is fine). Reports of one target
 * arrive in order; reports of different targets may arrive concurrently.
 */
public final class AgentCheck implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AgentCheck.class);

    /** The longest an exchange may take, and the longest first delay, whatever the interval. */
    private static final long MAX_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long MAX_FIRST_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A weight move that is logged at INFO; smaller ones are the normal breathing of a loaded host. */
    private static final int LOGGED_WEIGHT_STEP = 10;
    /** Replies are logged up to this length. */
    private static final int LOGGED_LINE_LENGTH = 120;
    private static final Pattern NATIVE_PREFIX = Pattern.compile("^.*failed(?: with error\\(-?\\d+\\))?: ");
    private static final Pattern ADDRESS_SUFFIX = Pattern.compile(": [^ ]*/[0-9a-fA-F.:%\\[\\]]+(?::\\d+)?$");

    private final List<AgentTarget> targets;
    private final Duration interval;
    private final List<Poller> pollers;
    /** Written once by {@link #close}; read by the pollers on their event loops. */
    private volatile boolean closed;

    private AgentCheck(List<AgentTarget> targets, Duration interval, List<Poller> pollers) {
        this.targets = targets;
        this.interval = interval;
        this.pollers = pollers;
    }

    /**
     * Starts polling {@code targets}. The first poll of each target happens within the first second
     * (or interval, if shorter), at a random moment.
     *
     * @param group     the event loops that connect and read; nothing here blocks them
     * @param transport whose socket channel class to use with {@code group}
     * @param interval  time between two polls of one target, at least 100 ms; an exchange may take
     *                  at most {@code min(interval, 2s)}
     * @param onReport  receives every report, on the target's event loop; must not block
     */
    public static AgentCheck start(EventLoopGroup group, Transport transport, List<AgentTarget> targets,
                                   Duration interval, Consumer<AgentReport> onReport) {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(onReport, "onReport");
        List<AgentTarget> copy = List.copyOf(targets);
        if (interval.toMillis() < 100) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: >= 100ms)");
        }
        long intervalNanos = interval.toNanos();
        long timeoutNanos = Math.min(intervalNanos, MAX_TIMEOUT_NANOS);
        List<Poller> pollers = new ArrayList<>(copy.size());
        AgentCheck check = new AgentCheck(copy, interval, pollers);
        for (AgentTarget t : copy) {
            pollers.add(check.new Poller(t, group.next(), transport, intervalNanos, timeoutNanos, onReport));
        }
        long firstWindow = Math.min(intervalNanos, MAX_FIRST_DELAY_NANOS);
        for (Poller p : pollers) {
            p.schedule(ThreadLocalRandom.current().nextLong(firstWindow));
        }
        return check;
    }

    public List<AgentTarget> targets() {
        return targets;
    }

    public Duration interval() {
        return interval;
    }

    /**
     * Stops polling: no report starts being delivered after this returns (one being delivered at
     * that moment may finish); an exchange in flight is abandoned and its connection closed.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Poller p : pollers) {
            try {
                p.loop.execute(p::stop);
            } catch (RejectedExecutionException e) {
                // The group is shutting down: its channels and timers go with it.
            }
        }
    }

    /**
     * Polls one target. Confined to {@link #loop}: every field is read and written there only.
     */
    private final class Poller {
        private final AgentTarget target;
        private final EventLoop loop;
        private final Transport transport;
        private final long intervalNanos;
        private final long timeoutNanos;
        private final Consumer<AgentReport> onReport;

        private ScheduledFuture<?> next;
        private Exchange exchange;
        /** Whether the callback failed last time, so that a broken callback is logged once, not per poll. */
        private boolean callbackFailing;

        // What was last logged, so that each change is logged once.
        private boolean logged;
        private Optional<String> loggedFailure = Optional.empty();
        private Optional<AgentState> loggedState = Optional.empty();
        private OptionalInt loggedWeight = OptionalInt.empty();
        private List<String> loggedErrors = List.of();

        Poller(AgentTarget target, EventLoop loop, Transport transport, long intervalNanos, long timeoutNanos,
               Consumer<AgentReport> onReport) {
            this.target = target;
            this.loop = loop;
            this.transport = transport;
            this.intervalNanos = intervalNanos;
            this.timeoutNanos = timeoutNanos;
            this.onReport = onReport;
        }

        /** Any thread. */
        void schedule(long delayNanos) {
            try {
                loop.execute(() -> {
                    if (!closed) {
                        next = loop.schedule(this::poll, delayNanos, TimeUnit.NANOSECONDS);
                    }
                });
            } catch (RejectedExecutionException e) {
                log.debug("{}: event loop shut down before the first poll", target);
            }
        }

        private void poll() {
            next = null;
            if (closed) {
                return;
            }
            exchange = new Exchange(this, System.nanoTime());
            exchange.start();
        }

        /** Called by the exchange, exactly once, on the loop. */
        void finished(Exchange done, AgentReport report) {
            if (exchange == done) {
                exchange = null;
            }
            if (closed) {
                return;
            }
            note(report);
            try {
                onReport.accept(report);
                callbackFailing = false;
            } catch (RuntimeException e) {
                if (!callbackFailing) {
                    callbackFailing = true;
                    log.warn("{}: the report callback failed (logged once until it succeeds)", target, e);
                } else {
                    log.debug("{}: the report callback failed again", target, e);
                }
            }
            long jittered = (long) (intervalNanos * (0.9 + 0.2 * ThreadLocalRandom.current().nextDouble()));
            long delay = Math.max(intervalNanos / 10, done.startNanos + jittered - System.nanoTime());
            next = loop.schedule(this::poll, delay, TimeUnit.NANOSECONDS);
        }

        void stop() {
            if (next != null) {
                next.cancel(false);
                next = null;
            }
            if (exchange != null) {
                exchange.abandon();
                exchange = null;
            }
        }

        /** Logs what changed since the last logged report. */
        private void note(AgentReport r) {
            boolean significant = !logged
                    || !r.failure().equals(loggedFailure)
                    || r.reachable() && r.state().isPresent() && !r.state().equals(loggedState)
                    || r.weightPercent().isPresent() && bigMove(r.weightPercent().getAsInt());
            if (significant) {
                logged = true;
                loggedFailure = r.failure();
                r.state().ifPresent(s -> loggedState = Optional.of(s));
                if (r.weightPercent().isPresent()) {
                    loggedWeight = r.weightPercent();
                }
                if (r.unreachable()) {
                    log.info("{}: {}; the server keeps its state and weight", target, r.summary());
                } else {
                    log.info("{}: {}", target, r.summary());
                }
            } else if (log.isDebugEnabled()) {
                log.debug("{}: {}", target, r.summary());
            }
            if (r.reachable() && !r.errors().equals(loggedErrors)) {
                loggedErrors = r.errors();
                if (!r.errors().isEmpty()) {
                    String line = r.line().length() <= LOGGED_LINE_LENGTH ? r.line()
                            : r.line().substring(0, LOGGED_LINE_LENGTH) + "...";
                    log.warn("{}: ignored in the reply: {} (reply \"{}\")", target, String.join("; ", r.errors()), line);
                }
            }
        }

        private boolean bigMove(int pct) {
            if (loggedWeight.isEmpty()) {
                return true;
            }
            int last = loggedWeight.getAsInt();
            return Math.abs(pct - last) >= LOGGED_WEIGHT_STEP || (pct == 0) != (last == 0);
        }
    }

    /** One connection to an agent: connect, read a line, close. Confined to the poller's loop. */
    private static final class Exchange {
        private final Poller poller;
        private final long startNanos;
        private Channel channel;
        private ScheduledFuture<?> timeout;
        private boolean done;

        Exchange(Poller poller, long startNanos) {
            this.poller = poller;
            this.startNanos = startNanos;
        }

        void start() {
            AgentTarget target = poller.target;
            long timeoutMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(poller.timeoutNanos));
            timeout = poller.loop.schedule(
                    () -> finish(AgentReport.unreachable(target, "no reply within " + timeoutMillis + " ms")),
                    poller.timeoutNanos, TimeUnit.NANOSECONDS);
            ChannelFuture connect = new Bootstrap()
                    .group(poller.loop)
                    .channel(poller.transport.socketChannel())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeoutMillis)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ReplyHandler(this))
                    .connect(target.address());
            channel = connect.channel();
            connect.addListener(f -> {
                if (!f.isSuccess()) {
                    finish(AgentReport.unreachable(target, reason(f.cause())));
                }
            });
        }

        void finish(AgentReport report) {
            if (done) {
                return;
            }
            done = true;
            timeout.cancel(false);
            channel.close();
            poller.finished(this, report);
        }

        void abandon() {
            done = true;
            if (timeout != null) {
                timeout.cancel(false);
            }
            if (channel != null) {
                channel.close();
            }
        }

        private static String reason(Throwable cause) {
            if (cause instanceof ConnectTimeoutException) {
                return "connect timed out";
            }
            String m = cause.getMessage();
            if (m == null) {
                return cause.getClass().getSimpleName();
            }
            // Netty's native transport says "finishConnect(..) failed with error(-111): Connection
            // refused: localhost/127.0.0.1:9777"; the target is logged anyway, keep the reason.
            m = NATIVE_PREFIX.matcher(m).replaceFirst("");
            m = ADDRESS_SUFFIX.matcher(m).replaceFirst("");
            return m.toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Collects the agent's bytes up to the first line end, then finishes the exchange. Every buffer
     * it receives is released here.
     */
    private static final class ReplyHandler extends ChannelInboundHandlerAdapter {
        private final Exchange exchange;
        private final byte[] line = new byte[AgentReport.MAX_LINE_LENGTH];
        private int length;

        ReplyHandler(Exchange exchange) {
            this.exchange = exchange;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (!(msg instanceof ByteBuf buf) || exchange.done) {
                    return;
                }
                int n = buf.readableBytes();
                int from = buf.readerIndex();
                for (int i = 0; i < n; i++) {
                    byte b = buf.getByte(from + i);
                    if (b == '\n' || b == '\r' || b == 0) {
                        complete(false);
                        return;
                    }
                    if (length == line.length) {
                        complete(true);
                        return;
                    }
                    line[length++] = b;
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // The agent closed without a line end: take what it wrote (HAProxy would ignore it).
            complete(false);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            exchange.finish(AgentReport.unreachable(exchange.poller.target, Exchange.reason(cause)));
        }

        private void complete(boolean tooLong) {
            if (exchange.done) {
                return;
            }
            AgentTarget target = exchange.poller.target;
            AgentReport r = AgentReport.parse(target, new String(line, 0, length, StandardCharsets.ISO_8859_1));
            if (length == 0) {
                r = withErrors(r, List.of("no reply: the agent closed the connection"));
            } else if (tooLong) {
                List<String> errors = new ArrayList<>(r.errors());
                errors.add("line longer than " + AgentReport.MAX_LINE_LENGTH + " bytes");
                r = withErrors(r, errors);
            }
            exchange.finish(r);
        }

        private static AgentReport withErrors(AgentReport r, List<String> errors) {
            return new AgentReport(r.target(), r.line(), r.weightPercent(), r.state(), r.maxConnections(),
                    r.description(), errors, r.failure());
        }
    }
}

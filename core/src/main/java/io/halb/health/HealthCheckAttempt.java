package io.halb.health;

import io.halb.config.Durations;
import io.halb.proxy.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The part every check shares: one connection with a deadline. The promise is the single source of
 * truth: whoever completes it first (the handler, a failed connect, the timer, a cancel) decides the
 * result, and its completion cancels the timer and closes the connection, so nothing outlives a
 * check. Confined to the check's event loop.
 */
final class HealthCheckAttempt {

    private static final Pattern NATIVE_PREFIX = Pattern.compile("^.*failed(?: with error\\(-?\\d+\\))?: ");
    private static final Pattern ADDRESS_SUFFIX = Pattern.compile(": [^ ]*/[0-9a-fA-F.:%\\[\\]]+(?::\\d+)?$");
    private static final String BY_PEER = " by peer";

    private HealthCheckAttempt() {}

    /**
     * Connects to {@code address} from {@code loop} with the handler {@code handler} makes for the
     * promise; fails with {@code "timeout after ..."} when the promise is still open after
     * {@code timeout}.
     */
    static Future<HealthCheck.Result> start(EventLoop loop, Transport transport, InetSocketAddress address,
                                            Duration timeout,
                                            Function<Promise<HealthCheck.Result>, ChannelHandler> handler) {
        Promise<HealthCheck.Result> promise = loop.newPromise();
        if (loop.inEventLoop()) {
            run(loop, transport, address, timeout, handler, promise);
        } else {
            loop.execute(() -> run(loop, transport, address, timeout, handler, promise));
        }
        return promise;
    }

    private static void run(EventLoop loop, Transport transport, InetSocketAddress address, Duration timeout,
                            Function<Promise<HealthCheck.Result>, ChannelHandler> handler,
                            Promise<HealthCheck.Result> promise) {
        if (promise.isDone()) {
            return; // cancelled before it started
        }
        String timedOut = timedOut(timeout);
        ScheduledFuture<?> timer = loop.schedule(() -> promise.trySuccess(HealthCheck.Result.failed(timedOut)),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        // The timer decides; the connect timeout only keeps a connect from outliving it.
        int connectMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis() + 1);
        ChannelFuture connect = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(handler.apply(promise))
                .connect(address);
        Channel channel = connect.channel();
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                promise.trySuccess(HealthCheck.Result.failed(reason(f.cause(), timeout)));
            }
        });
        promise.addListener(f -> {
            timer.cancel(false);
            channel.close();
        });
    }

    static String timedOut(Duration timeout) {
        return "timeout after " + Durations.format(timeout);
    }

    /**
     * A failure in a few lower-case words, the same with either transport: {@code "connection
     * refused"}, {@code "connection reset"}. The target is named wherever the reason is shown, so the address is dropped.
     */
    static String reason(Throwable cause, Duration timeout) {
        if (cause instanceof ConnectTimeoutException) {
            return timedOut(timeout);
        }
        if (cause instanceof ClosedChannelException) {
            return "connection closed";
        }
        String m = cause.getMessage();
        if (m == null || m.isBlank()) {
            return cause.getClass().getSimpleName();
        }
        // Netty's native transport says "finishConnect(..) failed with error(-111): Connection
        // refused: /127.0.0.1:9001", NIO "Connection refused: /127.0.0.1:9001".
        m = NATIVE_PREFIX.matcher(m).replaceFirst("");
        m = ADDRESS_SUFFIX.matcher(m).replaceFirst("");
        m = m.toLowerCase(Locale.ROOT);
        // Epoll says "connection reset by peer", NIO "connection reset": one reason for one event.
        return m.endsWith(BY_PEER) ? m.substring(0, m.length() - BY_PEER.length()) : m;
    }
}

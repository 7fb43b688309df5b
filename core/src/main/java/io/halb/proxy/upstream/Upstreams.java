package io.halb.proxy.upstream;

import io.halb.balance.Endpoint;
import io.halb.proxy.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Opens server connections on the calling event loop and hands out that loop's
 * {@link ConnectionPool}. A request's server connection therefore lives on the same thread as its
 * client connection: no locks and no hops on the data path.
 *
 * <p>Thread-safety: {@link #pool()} and {@link #connect} must be called on an event loop of the
 * group; each loop sees only its own pool.
 */
public final class Upstreams {

    private static final int MAX_IDLE_PER_SERVER = 1024;

    private final Transport transport;
    private final LongSupplier upstreamIdleNanos;
    private final FastThreadLocal<ConnectionPool> pools = new FastThreadLocal<>() {
        @Override
        protected ConnectionPool initialValue() {
            throw new IllegalStateException("Upstreams.pool() called off an event loop");
        }
    };

    /** @param upstreamIdleNanos the current snapshot's idle timeout for pooled connections */
    public Upstreams(Transport transport, LongSupplier upstreamIdleNanos) {
        this.transport = transport;
        this.upstreamIdleNanos = upstreamIdleNanos;
    }

    /** The idle-connection pool of {@code loop}, which must be the calling thread's. */
    public ConnectionPool pool(EventLoop loop) {
        assert loop.inEventLoop();
        if (pools.isSet()) {
            return pools.get();
        }
        ConnectionPool pool = new ConnectionPool(loop, MAX_IDLE_PER_SERVER);
        pools.set(pool);
        loop.scheduleWithFixedDelay(() -> pool.sweep(upstreamIdleNanos.getAsLong()), 1, 1, TimeUnit.SECONDS);
        return pool;
    }

    /**
     * Opens a new connection to {@code endpoint} on {@code loop}, with auto-read off.
     *
     * @param halfClosure whether a FIN from the server only ends its side (tcp relays) rather than
     *                    closing the channel (http)
     */
    public ChannelFuture connect(EventLoop loop, Endpoint endpoint, Duration connectTimeout, boolean halfClosure,
                                 ChannelHandler initializer) {
        return new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, halfClosure)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .handler(initializer)
                .connect(endpoint.socketAddress());
    }
}

package io.halb.health;

import io.halb.config.Durations;
import io.halb.proxy.Transport;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.time.Duration;
import java.util.Objects;

/** Passes when a TCP connection to the server opens within the timeout; then closes it. Immutable. */
public final class TcpHealthCheck implements HealthCheck {

    private static final String CONNECTED = "connected";

    private final Transport transport;
    private final Duration timeout;
    /** TLS around the connection, or null: then the check passes on a completed handshake. */
    private final TlsLayer tls;

    TcpHealthCheck(Transport transport, Duration timeout) {
        this(transport, timeout, null);
    }

    TcpHealthCheck(Transport transport, Duration timeout, TlsLayer tls) {
        this.tls = tls;
        this.transport = Objects.requireNonNull(transport, "transport");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.toMillis() < 1) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 1ms)");
        }
    }

    @Override
    public Future<Result> check(EventLoop loop, HealthTarget target) {
        if (tls != null) {
            return HealthCheckAttempt.start(loop, transport, target.address(), timeout,
                    promise -> new io.netty.channel.ChannelInitializer<io.netty.channel.Channel>() {
                        @Override
                        protected void initChannel(io.netty.channel.Channel ch) {
                            ch.pipeline().addLast("tls", tls.newHandler(ch, target))
                                    .addLast("tls-outcome", new HandshakeOutcome(promise, true));
                        }
                    });
        }
        return HealthCheckAttempt.start(loop, transport, target.address(), timeout, ConnectedHandler::new);
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public String toString() {
        return (tls == null ? "tcp" : "tls") + " check (timeout " + Durations.format(timeout) + ")";
    }

    /** Completes the check once connected, which closes the connection. Drops whatever the server says. */
    private static final class ConnectedHandler extends ChannelInboundHandlerAdapter {
        private final Promise<Result> promise;

        ConnectedHandler(Promise<Result> promise) {
            this.promise = promise;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            promise.trySuccess(Result.passed(CONNECTED));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // After the connect, which is all this check asks, an error changes nothing.
        }
    }
}

package io.halb.proxy.tcp;

import io.halb.balance.Endpoint;
import io.halb.balance.PickContext;
import io.halb.guard.Admission;
import io.halb.proxy.ClientAddress;
import io.halb.proxy.ListenerSnapshot;
import io.halb.proxy.ProxyProtocolSender;
import io.halb.proxy.Pool;
import io.halb.proxy.RelayHandler;
import io.halb.proxy.SessionRecord;
import io.halb.proxy.upstream.Upstreams;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.halb.tls.ClientHelloRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Places a new TCP client connection: picks a server (another one after a failed connect, up to the
 * pool's retries), connects on the client's event loop, then hands both channels to a
 * {@link RelayHandler} pair and leaves the pipeline. Nothing is read from the client until the
 * server connection is up, so no byte is buffered here. On a listener with {@code sni_routes}
 * the pool is chosen first by the ClientHello's server name: a {@link ClientHelloRouter} ahead
 * holds the bytes read so far and calls {@link #route}.
 *
 * <p>Thread-safety: confined to the channel's event loop.
 */
final class TcpFrontendHandler extends ChannelInboundHandlerAdapter implements PickContext {

    private static final Logger log = LoggerFactory.getLogger(TcpFrontendHandler.class);

    private final ListenerSnapshot listener;
    private final Upstreams upstreams;
    private final List<Endpoint> tried = new ArrayList<>(2);
    private Pool pool;
    private InetAddress clientAddress;
    private int retriesLeft;
    private ChannelHandlerContext ctx;
    /** With sni_routes: completes once the relay is linked (or the connection is given up). */
    private Promise<Void> routed;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();

    TcpFrontendHandler(ListenerSnapshot listener, Upstreams upstreams) {
        this.listener = listener;
        this.upstreams = upstreams;
    }

    @Override
    public InetAddress clientAddress() {
        return clientAddress;
    }

    @Override
    public boolean tried(Endpoint endpoint) {
        return tried.contains(endpoint);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        clientAddress = ClientAddress.of(ctx.channel()).getAddress();
        if (listener.routesBySni()) {
            // The ClientHelloRouter ahead reads the ClientHello and calls route().
            ctx.fireChannelActive();
            return;
        }
        String divert = divertPool(ctx.channel());
        pool = divert != null ? listener.pool(divert) : listener.defaultPool();
        retriesLeft = pool.config().retries();
        connect(ctx);
        ctx.fireChannelActive();
    }

    /** The pool a limit sends this client to, or {@code null}. */
    private static String divertPool(Channel ch) {
        Admission admission = Admission.of(ch);
        return admission == null ? null : admission.divertPool();
    }

    /**
     * Connects to a server of the pool {@code serverName} routes to (null: the client sent none).
     * The future succeeds once the relay is linked, so the bytes held by the router can follow.
     */
    Future<Void> route(String serverName) {
        routed = ctx.executor().newPromise();
        String divert = divertPool(ctx.channel());
        pool = divert != null ? listener.pool(divert) : listener.routeSni(serverName);
        retriesLeft = pool.config().retries();
        log.debug("{}: server name {} -> pool {}", ctx.channel().remoteAddress(), serverName, pool.name());
        connect(ctx);
        return routed;
    }

    private void giveUp() {
        if (routed != null) {
            routed.tryFailure(GIVEN_UP);
        }
    }

    private static final Exception GIVEN_UP = new java.io.IOException("no server connection") {
        private static final long serialVersionUID = 1L;

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    };

    private void connect(ChannelHandlerContext ctx) {
        Endpoint endpoint = tried.isEmpty() ? pool.pinned(this) : null;
        if (endpoint == null) {
            endpoint = pool.pick(this);
        }
        if (endpoint == null) {
            log.debug("{}: no server available in pool {}", ctx.channel().remoteAddress(), pool.name());
            report(ctx, null, 0, 0, false);
            giveUp();
            ctx.close();
            return;
        }
        tried.add(endpoint);
        pool.pin(clientAddress, endpoint);
        endpoint.onStart();
        long start = System.nanoTime();
        ChannelFuture f = upstreams.connect(ctx.channel().eventLoop(), endpoint, listener.timeouts().connect(), true,
                new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // The relay is added once connected.
                    }
                });
        Endpoint target = endpoint;
        f.addListener((ChannelFutureListener) cf -> {
            if (!ctx.channel().isActive()) {
                target.onFinish(-1, true);
                cf.channel().close();
                giveUp();
                return;
            }
            if (!cf.isSuccess()) {
                target.onFinish(-1, false);
                pool.record(target, false);
                if (retriesLeft-- > 0) {
                    connect(ctx);
                } else {
                    log.debug("{}: cannot connect to {}: {}", ctx.channel().remoteAddress(), target, cf.cause().toString());
                    report(ctx, target, 0, 0, false);
                    giveUp();
                    ctx.close();
                }
                return;
            }
            pool.record(target, true);
            ProxyProtocolSender.send(cf.channel(), pool.config().sendProxy(), ClientAddress.of(ctx.channel()),
                    (InetSocketAddress) ctx.channel().localAddress());
            ctx.pipeline().remove(this);
            RelayHandler.link(ctx.channel(), cf.channel(), (in, out) -> {
                target.onFinish(System.nanoTime() - start, true);
                report(ctx, target, in, out, true);
            });
            if (routed != null) {
                routed.trySuccess(null);
            }
        });
    }

    private void report(ChannelHandlerContext ctx, Endpoint server, long bytesIn, long bytesOut, boolean connected) {
        listener.observer().sessionDone(new SessionRecord(listener.config().name(),
                ClientAddress.of(ctx.channel()), pool.name(), server == null ? null : server.name(),
                bytesIn, bytesOut, startMillis, System.nanoTime() - startNanos, connected));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // Auto-read is off and nothing is read before the relay is linked.
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}

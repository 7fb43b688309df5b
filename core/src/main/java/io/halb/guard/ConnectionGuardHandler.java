package io.halb.guard;

import io.halb.config.LimitAction;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The first handler of a client connection after the PROXY protocol: asks the listener's
 * {@link Limiter} about the client when the connection becomes active, keeps the
 * {@link Admission} on the channel, and has the counts given back when it closes (by the
 * admission itself, on the channel's close; the guard then leaves the pipeline).
 *
 * <p>It acts on the connection itself where nothing else can: a denied address, a full listener
 * and {@code drop} are closed at once with a reset; on a TCP listener {@code reject} closes and
 * {@code tarpit} holds the connection, then closes, without ever connecting a server. Everything
 * else (HTTP's 429 and tarpit, which answer the first request; {@code divert}) is left to the
 * proxy, which reads the admission.
 *
 * <p>Thread-safety: confined to the channel's event loop.
 */
public final class ConnectionGuardHandler extends ChannelInboundHandlerAdapter {

    private final Limiter limiter;
    private final boolean http;
    private final Function<Channel, InetSocketAddress> clientOf;
    private Admission admission;
    private ScheduledFuture<?> tarpit;

    /**
     * @param http     whether the listener speaks HTTP (so refusals can be answered with a status)
     * @param clientOf the client a channel speaks for (after the PROXY protocol)
     */
    public ConnectionGuardHandler(Limiter limiter, boolean http, Function<Channel, InetSocketAddress> clientOf) {
        this.limiter = limiter;
        this.http = http;
        this.clientOf = clientOf;
    }

    /** An initializer that puts this guard in front of what {@code frontend} installs. */
    public static ChannelInitializer<Channel> before(ChannelHandler frontend, Limiter limiter, boolean http,
                                                     Function<Channel, InetSocketAddress> clientOf) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast("guard", new ConnectionGuardHandler(limiter, http, clientOf));
                ch.pipeline().addLast(frontend);
            }
        };
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        admission = limiter.admit(clientOf.apply(ctx.channel()).getAddress());
        admission.attach(ctx.channel());
        Refusal r = admission.refusal();
        if (r == null || r.diverts()) {
            releaseOnClose(ctx);
            ctx.fireChannelActive();
            ctx.pipeline().remove(this);
            return;
        }
        LimitAction action = r.action();
        if (action instanceof LimitAction.Drop) {
            reset(ctx);
        } else if (http) {
            releaseOnClose(ctx);
            ctx.fireChannelActive(); // the first request is answered 429, now or after the tarpit
            ctx.pipeline().remove(this);
        } else if (action instanceof LimitAction.Tarpit) {
            // Held open, unread, then closed: the client's time is spent, not a server's.
            tarpit = ctx.executor().schedule(() -> {
                ctx.close();
            }, admission.config().tarpit().toNanos(), TimeUnit.NANOSECONDS);
        } else {
            ctx.close();
        }
    }

    /**
     * Hands the release of the admission to the channel's close, so the guard can leave the
     * pipeline: an idle keep-alive connection then carries no guard and no handler context for it
     * (issue 9's idle memory). Only a TCP tarpit keeps the guard, for its timer.
     */
    private void releaseOnClose(ChannelHandlerContext ctx) {
        Admission a = admission;
        admission = null;
        ctx.channel().closeFuture().addListener(a);
    }

    /** Closes with a reset (SO_LINGER 0): no FIN handshake, no TIME_WAIT, nothing more to send. */
    static void reset(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (tarpit != null) {
            tarpit.cancel(false);
        }
        if (admission != null) {
            admission.release();
        }
        ctx.fireChannelInactive();
    }
}

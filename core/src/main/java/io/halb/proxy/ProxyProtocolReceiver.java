package io.halb.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Reads the PROXY protocol header (v1 or v2, Netty's decoder) that a trusted peer sends first, and
 * only then lets the rest of the pipeline see the connection: {@code channelActive} is held back,
 * so balancing, persistence and logs all see the real client. A peer that sends no valid header
 * within the timeout is closed. One-shot: it leaves the pipeline once the header is read.
 *
 * <p>Thread-safety: confined to the channel's event loop.
 */
public final class ProxyProtocolReceiver extends ChannelInboundHandlerAdapter {

    private final Duration timeout;
    private ScheduledFuture<?> timer;

    public ProxyProtocolReceiver(Duration timeout) {
        this.timeout = timeout;
    }

    /** Adds the decoder and this receiver at the front of {@code pipeline}. */
    public static void install(io.netty.channel.ChannelPipeline pipeline, Duration timeout) {
        pipeline.addFirst("proxy-protocol", new ProxyProtocolReceiver(timeout));
        pipeline.addFirst("proxy-protocol-decoder", new HAProxyMessageDecoder());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Held back until the header names the client; auto-read is off, so ask for it.
        timer = ctx.executor().schedule(() -> {
            ctx.close();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            // Bytes before the header was decoded cannot happen: the decoder holds them.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        try {
            if (header.command() == HAProxyCommand.PROXY && header.sourceAddress() != null) {
                ClientAddress.set(ctx.channel(), new InetSocketAddress(header.sourceAddress(), header.sourcePort()));
            }
            // LOCAL (a health check of the peer itself): the peer is the client.
        } finally {
            header.release();
        }
        if (timer != null) {
            timer.cancel(false);
        }
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // The header may span reads: keep reading until it is whole.
        if (ctx.pipeline().context(this) != null) {
            ctx.read();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A malformed header: nothing after it can be trusted.
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
        ctx.fireChannelInactive();
    }
}

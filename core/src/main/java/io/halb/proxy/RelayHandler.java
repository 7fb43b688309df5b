package io.halb.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * Relays bytes from its channel to a peer channel, with backpressure and half-close: one instance
 * sits on each side of a TCP proxy connection or of an upgraded (WebSocket) HTTP connection.
 *
 * <p>Backpressure: auto-read is off; the next read is asked for after a read burst only while the
 * peer is writable, else when the peer becomes writable again (the peer's relay wakes us).
 * Half-close: when this side's input ends, the peer's output is shut down after what was read has
 * been flushed; when both directions have ended, both channels close.
 *
 * <p>Thread-safety: both channels live on the same event loop; all state is confined to it.
 */
public final class RelayHandler extends ChannelInboundHandlerAdapter {

    /** Told when both sides are closed. */
    public interface Listener {
        void closed(long bytesIn, long bytesOut);
    }

    private final Channel peer;
    private final Listener listener;
    private RelayHandler peerRelay;
    private Channel self;
    private boolean inputEnded;
    private long bytesRead;
    private boolean notified;

    private RelayHandler(Channel peer, Listener listener) {
        this.peer = peer;
        this.listener = listener;
    }

    /**
     * Links two connected channels (on the same event loop) and starts relaying. Bytes already
     * buffered in either pipeline's handlers reach the relay when those handlers leave.
     */
    public static void link(Channel a, Channel b, Listener listener) {
        assert a.eventLoop() == b.eventLoop();
        RelayHandler ra = new RelayHandler(b, listener);
        RelayHandler rb = new RelayHandler(a, null);
        ra.peerRelay = rb;
        rb.peerRelay = ra;
        ra.self = a;
        rb.self = b;
        a.pipeline().addLast("relay", ra);
        b.pipeline().addLast("relay", rb);
        a.read();
        b.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!peer.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof io.netty.buffer.ByteBuf buf) {
            bytesRead += buf.readableBytes();
        }
        // Forwarded as received: the peer's outbound path releases it.
        peer.write(msg, peer.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
        if (peer.isWritable()) {
            if (!inputEnded) {
                ctx.read();
            }
        }
        // else: the peer's relay reads for us in channelWritabilityChanged.
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && peerRelay != null && !peerRelay.inputEnded && peer.isActive()) {
            peer.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputEnded = true;
            if (peer.isActive() && peer instanceof DuplexChannel duplex) {
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess() && !duplex.isOutputShutdown()) {
                        duplex.shutdownOutput();
                    }
                    closeIfDone();
                });
            } else {
                closeBoth();
            }
            return;
        }
        if (evt instanceof ChannelInputShutdownReadComplete) {
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void closeIfDone() {
        if (inputEnded && peerRelay.inputEnded) {
            closeBoth();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inputEnded = true;
        // Whatever was read is written before the peer closes.
        if (peer.isActive()) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        notifyClosed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset on one side is passed on as a reset: the peer closes at once, unflushed data lost.
        if (peer.isActive()) {
            peer.config().setOption(ChannelOption.SO_LINGER, 0);
            peer.close();
        }
        ctx.close();
    }

    private void closeBoth() {
        self.close();
        peer.close();
    }

    private void notifyClosed() {
        RelayHandler owner = listener != null ? this : peerRelay;
        if (owner.notified) {
            return;
        }
        if (self.isActive() || peer.isActive()) {
            return;
        }
        owner.notified = true;
        owner.listener.closed(owner.bytesRead, owner.peerRelay.bytesRead);
    }
}

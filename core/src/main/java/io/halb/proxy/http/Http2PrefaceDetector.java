package io.halb.proxy.http;

import io.halb.proxy.ConnectionTracker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The first handler of a listener that accepts cleartext HTTP/2 with prior knowledge ({@code h2c:
 * true}): it reads until the first bytes either are the HTTP/2 connection preface (RFC 9113 §3.4,
 * {@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}) or can no longer become it, installs the HTTP/2 or the
 * HTTP/1.1 handlers behind itself accordingly, and leaves the pipeline, handing them the bytes read.
 *
 * <p>{@code channelActive} is held back until the choice is made, so the HTTP/1.1 frontend starts its
 * timers only then. A client that sends nothing decisive within the header-read timeout is closed.
 *
 * <p>Thread-safety: confined to the channel's event loop. One-shot.
 */
final class Http2PrefaceDetector extends ByteToMessageDecoder {

    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    private final Duration timeout;
    private final Consumer<ChannelHandlerContext> http1;
    private final Consumer<ChannelHandlerContext> http2;
    private ScheduledFuture<?> timer;
    private boolean decided;

    /**
     * @param http1 adds the HTTP/1.1 handlers after this one's context (the channel is active)
     * @param http2 adds the HTTP/2 handlers after this one's context (the channel is active)
     */
    Http2PrefaceDetector(Duration timeout, Consumer<ChannelHandlerContext> http1, Consumer<ChannelHandlerContext> http2) {
        this.timeout = timeout;
        this.http1 = http1;
        this.http2 = http2;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Held back until the protocol is known; auto-read is off, so ask for the first bytes.
        timer = ctx.executor().schedule(() -> {
            ctx.close();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        ctx.read();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (decided) {
            return;
        }
        int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
        boolean prefix = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, PREFACE.readerIndex(), n);
        if (prefix && n < PREFACE.readableBytes()) {
            // Not decisive yet; ByteToMessageDecoder reads on when nothing was produced.
            return;
        }
        decided = true;
        cancelTimer();
        if (prefix) {
            http2.accept(ctx);
        } else {
            http1.accept(ctx);
            ctx.fireChannelActive();
        }
        // Hands what was read so far to the handlers just added.
        ctx.pipeline().remove(this);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ConnectionTracker.GRACEFUL_CLOSE && !decided) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelTimer();
        super.channelInactive(ctx);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}

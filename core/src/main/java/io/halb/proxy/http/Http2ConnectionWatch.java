package io.halb.proxy.http;

import io.halb.proxy.ConnectionTracker;
import io.halb.proxy.ListenerSnapshot;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The connection-level end of an HTTP/2 client connection, after the frame codec and the stream
 * multiplexer: counts the open streams, closes the connection with a GOAWAY when it has had none for
 * the idle timeout (the header-read timeout before its first stream), and on a graceful stop sends
 * GOAWAY at once, so the client opens no new stream here, and closes once the streams in flight
 * have finished.
 *
 * <p>It also opens the connection's receive window to {@link #CONNECTION_WINDOW}: every stream has
 * its own window of {@link HttpFrontendInitializer#H2_STREAM_WINDOW}, and the connection's must
 * exceed one stream's, or one stream whose server is slow would stall all the others.
 *
 * <p>Thread-safety: confined to the channel's event loop (stream channels share it).
 */
final class Http2ConnectionWatch extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(Http2ConnectionWatch.class);

    /** Bytes of request bodies a client may have in flight on one connection, all streams together. */
    static final int CONNECTION_WINDOW = 1024 * 1024;

    private final Supplier<ListenerSnapshot> snapshot;
    /** The open stream channels: closed with the connection, whether or not they were reading. */
    private final Set<Channel> streams = new HashSet<>();
    private ChannelHandlerContext ctx;
    private int openStreams;
    private boolean hadStream;
    private boolean draining;
    private ScheduledFuture<?> idleTimer;

    Http2ConnectionWatch(Supplier<ListenerSnapshot> snapshot) {
        this.snapshot = snapshot;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        // Added to an active channel (after the preface was seen, or after ALPN chose h2).
        ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE))
                .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        armIdleTimer();
    }

    /** A client stream got its channel; called by the stream's initializer. */
    void streamOpened(Channel stream) {
        openStreams++;
        hadStream = true;
        streams.add(stream);
        cancelIdleTimer();
        stream.closeFuture().addListener(f -> streamClosed(stream));
    }

    private void streamClosed(Channel stream) {
        streams.remove(stream);
        openStreams--;
        if (openStreams > 0 || !ctx.channel().isActive()) {
            return;
        }
        if (draining) {
            ctx.close();
        } else {
            armIdleTimer();
        }
    }

    private void armIdleTimer() {
        cancelIdleTimer();
        Duration limit = hadStream ? snapshot.get().timeouts().clientIdle() : snapshot.get().timeouts().headerRead();
        idleTimer = ctx.executor().schedule(this::onIdle, limit.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void onIdle() {
        idleTimer = null;
        if (openStreams == 0 && ctx.channel().isActive()) {
            goAway().addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void cancelIdleTimer() {
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
    }

    /** GOAWAY naming the last stream the client opened: those finish, later ones it must retry elsewhere. */
    private io.netty.channel.ChannelFuture goAway() {
        return ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ConnectionTracker.GRACEFUL_CLOSE) {
            if (draining || !ctx.channel().isActive()) {
                return;
            }
            draining = true;
            cancelIdleTimer();
            if (openStreams == 0) {
                goAway().addListener(ChannelFutureListener.CLOSE);
            } else {
                goAway();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** Connection-level frames (SETTINGS, PING, GOAWAY) the codec already acted on. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelIdleTimer();
        // A stream that was not reading (its server slower than its client) would wait to be read
        // before it closes, holding what the client had sent and its server connection.
        for (Channel stream : List.copyOf(streams)) {
            stream.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2Exception || cause.getCause() instanceof Http2Exception) {
            // A protocol error of the client's: the codec answers it (GOAWAY or RST_STREAM) itself.
            log.debug("client {}: HTTP/2 protocol error: {}", ctx.channel().remoteAddress(), cause.toString());
            return;
        }
        if (!(cause instanceof IOException)) {
            log.warn("client {}: {}", ctx.channel().remoteAddress(), cause.toString(), cause);
        }
        ctx.close();
    }
}

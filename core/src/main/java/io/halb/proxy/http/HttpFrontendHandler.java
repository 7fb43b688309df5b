package io.halb.proxy.http;

import io.halb.guard.StrictRequests;
import io.halb.proxy.ConnectionTracker;
import io.halb.proxy.ListenerSnapshot;
import io.halb.proxy.RelayHandler;
import io.halb.proxy.RequestRecord;
import io.halb.proxy.upstream.Upstreams;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The proxy's end of an HTTP client connection: takes one request at a time (pipelined ones wait
 * in order), hands each to an {@link HttpExchange}, and keeps the connection alive between them
 * within the idle timeout.
 *
 * <p>Reads are explicit (auto-read is off): one decoded message per {@link #requestRead()}, asked
 * for only when the current step can take it.
 *
 * <p>Thread-safety: confined to the channel's event loop.
 */
final class HttpFrontendHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(HttpFrontendHandler.class);

    private final Supplier<ListenerSnapshot> snapshot;
    private final Upstreams upstreams;
    private final ConnectionTracker tracker;

    private ChannelHandlerContext ctx;
    private HttpExchange exchange;
    private boolean readRequested;
    private boolean closing;
    private boolean firstRequest = true;
    private ScheduledFuture<?> idleTimer;

    HttpFrontendHandler(Supplier<ListenerSnapshot> snapshot, Upstreams upstreams, ConnectionTracker tracker) {
        this.snapshot = snapshot;
        this.upstreams = upstreams;
        this.tracker = tracker;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        awaitRequest();
        ctx.fireChannelActive();
    }

    /** Asks for the next decoded message, unless one is already asked for. */
    void requestRead() {
        if (!readRequested) {
            readRequested = true;
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readRequested = false;
        if (msg instanceof HttpRequest request) {
            onRequestHead(request);
            return;
        }
        if (msg instanceof HttpContent content && exchange != null) {
            exchange.onClientContent(content);
            return;
        }
        // Content of a request already answered and closed, or nothing we know.
        ReferenceCountUtil.release(msg);
    }

    /**
     * A read cycle ended. {@code FlowControlHandler} counts a read as satisfied by the end of a cycle
     * even when the cycle decoded no whole message (a partial head or chunk), so one that is still
     * wanted is asked for again.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (readRequested && ctx.channel().isActive()) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    private void onRequestHead(HttpRequest request) {
        cancelIdleTimer();
        firstRequest = false;
        if (exchange != null) {
            // Cannot happen: the next request is read only after the current one ended.
            ReferenceCountUtil.release(request);
            ctx.close();
            return;
        }
        tracker.requestStarted();
        if (request.decoderResult().isFailure()) {
            badRequest(request, HttpExchange.describe(request.decoderResult().cause()));
            return;
        }
        String refused = StrictRequests.check(request);
        if (refused != null) {
            badRequest(request, refused);
            return;
        }
        ListenerSnapshot listener = snapshot.get();
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !closing;
        exchange = new HttpExchange(this, ctx, upstreams, listener, request, keepAlive);
        exchange.start();
    }

    private void badRequest(HttpRequest request, String why) {
        snapshot.get().observer().requestDone(new RequestRecord(snapshot.get().config().name(),
                (InetSocketAddress) ctx.channel().remoteAddress(), request.method().name(), request.uri(), null,
                request.protocolVersion().text(), null, null, null, null, 400, 0, 0, System.currentTimeMillis(),
                -1, 0, 0, RequestRecord.Termination.BAD_REQUEST));
        String reason = "malformed request: " + why;
        ctx.writeAndFlush(LocalResponses.of(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, reason, true))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** The exchange ended; the connection closes or waits for the next request. */
    void exchangeDone(HttpExchange done, boolean closed) {
        if (exchange != done) {
            return;
        }
        exchange = null;
        if (closed) {
            return;
        }
        if (closing) {
            ctx.close();
            return;
        }
        awaitRequest();
    }

    private void awaitRequest() {
        Duration limit = firstRequest ? snapshot.get().timeouts().headerRead() : snapshot.get().timeouts().clientIdle();
        idleTimer = ctx.executor().schedule(this::onIdleTimeout, limit.toNanos(), TimeUnit.NANOSECONDS);
        requestRead();
    }

    private void onIdleTimeout() {
        idleTimer = null;
        if (exchange == null) {
            ctx.close();
        }
    }

    private void cancelIdleTimer() {
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
    }

    /** The server agreed to switch protocols: from now on bytes flow unread both ways. */
    void upgraded(Channel upstream) {
        exchange = null;
        cancelIdleTimer();
        ctx.pipeline().remove(this);
        RelayHandler.link(ctx.channel(), upstream, (in, out) -> { });
        ctx.pipeline().remove(HttpFrontendInitializer.FLOW);
        ctx.pipeline().remove(HttpFrontendInitializer.CODEC);
        ctx.pipeline().remove(HttpFrontendInitializer.SCAN);
    }

    /** Whether the connection is to close after the current exchange (halb is stopping). */
    boolean closing() {
        return closing;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ConnectionTracker.GRACEFUL_CLOSE) {
            closing = true;
            // A new connection's first request may already be waiting in the socket (accepted just
            // before the listener closed): it is answered, then the connection closes.
            if (exchange == null && !firstRequest) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.onClientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelIdleTimer();
        if (exchange != null) {
            exchange.onClientInactive();
            exchange = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            log.warn("client {}: {}", ctx.channel().remoteAddress(), cause.toString(), cause);
        }
        ctx.close();
    }
}

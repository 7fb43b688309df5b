package io.halb.proxy.http;

import io.halb.config.LimitAction;
import io.halb.guard.Admission;
import io.halb.guard.BodyRateMeter;
import io.halb.guard.HeadScanHandler;
import io.halb.guard.Refusal;
import io.halb.guard.StrictRequests;
import io.halb.proxy.ConnectionTracker;
import io.halb.proxy.ClientAddress;
import io.halb.proxy.ListenerSnapshot;
import io.halb.proxy.Pool;
import io.halb.proxy.RelayHandler;
import io.halb.proxy.RequestRecord;
import io.halb.proxy.upstream.Upstreams;
import io.halb.tls.TlsSession;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
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
 * <p>On an HTTP/2 stream (see {@link Http2StreamInitializer}) the "connection" is the stream: it
 * carries one request, ends with its response, and knows no keep-alive, upgrade or CONNECT.
 *
 * <p>Thread-safety: confined to the channel's event loop.
 */
final class HttpFrontendHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(HttpFrontendHandler.class);

    private final Supplier<ListenerSnapshot> snapshot;
    private final Upstreams upstreams;
    private final ConnectionTracker tracker;

    private ChannelHandlerContext ctx;
    /** Serving one HTTP/2 stream rather than an HTTP/1.x connection. */
    private boolean http2;
    /** The HTTP/1.x codec of the connection; {@code null} on an HTTP/2 stream. */
    private ClientConnectionCodec codec;
    /**
     * What the connection's attributes say, read on its first request (they are set before it:
     * PROXY header, TLS handshake, admission) instead of searched on every request.
     */
    private boolean attributesRead;
    private InetSocketAddress clientAddress;
    private TlsSession tlsSession;
    private Admission admission;
    private HttpExchange exchange;
    /** X-Forwarded-* and Forwarded values kept across requests: the event loop's, set when added. */
    HeaderRewriter.Forwarding forwarding;
    private boolean readRequested;
    private boolean closing;
    private boolean firstRequest = true;
    /**
     * The idle/header timer: arming sets {@link #idleDeadlineNanos} and hands it to the event loop's
     * {@link IdleSweeper}, which expires it; disarming clears it. No task per connection (issue 9's
     * idle memory) and no schedule or cancel per request. While an exchange runs, the same deadline
     * is its server timer ({@link #wakeExchangeIn}).
     */
    private IdleSweeper sweeper;
    /** This handler's place in {@link #sweeper}'s table, -1: none (the sweeper's to set). */
    int sweepSlot = -1;
    /** When the armed idle/header limit (or the exchange's wake-up) runs out ({@link System#nanoTime}); 0: not armed. */
    long idleDeadlineNanos;
    /** Whether the idle timer bounds a request head that has begun (header_read), not an idle wait. */
    private boolean headTimer;
    /** A request held by a tarpit before its 429. */
    private ScheduledFuture<?> tarpitTimer;
    /** The request body's rate while one is being read under min_body_rate; else null. */
    private BodyRateMeter bodyMeter;
    private ScheduledFuture<?> bodyTimer;

    HttpFrontendHandler(Supplier<ListenerSnapshot> snapshot, Upstreams upstreams, ConnectionTracker tracker) {
        this.snapshot = snapshot;
        this.upstreams = upstreams;
        this.tracker = tracker;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.http2 = ctx.channel() instanceof Http2StreamChannel;
        this.codec = http2 ? null : (ClientConnectionCodec) ctx.pipeline().get(HttpFrontendInitializer.CODEC);
        this.forwarding = HeaderRewriter.Forwarding.ofThisThread();
        this.sweeper = IdleSweeper.of(ctx.executor());
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
            if (bodyMeter != null) {
                bodyMeter.wanting(System.nanoTime());
            }
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readRequested = false;
        if (msg instanceof RawRequestHead raw) {
            onRawRequestHead(raw);
            return;
        }
        if (msg instanceof HttpRequest request) {
            onRequestHead(request);
            return;
        }
        if (msg instanceof HttpContent content && exchange != null) {
            meterBody(content);
            exchange.onClientContent(content);
            return;
        }
        // Content of a request already answered and closed, or nothing we know.
        ReferenceCountUtil.release(msg);
    }

    /**
     * A read cycle ended. On an HTTP/2 stream {@code FlowControlHandler} counts a read as satisfied
     * by the end of a cycle even when the cycle decoded no whole message (a partial head or chunk),
     * so one that is still wanted is asked for again ({@link ReadAhead} remembers it anyway).
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (readRequested && ctx.channel().isActive()) {
            ctx.read();
        }
        if (exchange == null && idleDeadlineNanos != 0 && !headTimer && headBegun()) {
            // The next request's head has begun on a kept-alive connection: the rest of it gets
            // header_read, not what is left of client_idle (slowloris on a reused connection).
            cancelIdleTimer();
            armIdleTimer(true);
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
        if (codec != null) {
            codec.responding(request.method());
        }
        if (request.decoderResult().isFailure()) {
            badRequest(request, HttpExchange.describe(request.decoderResult().cause()));
            return;
        }
        String refused = StrictRequests.check(request);
        if (refused == null && http2 && HttpMethod.CONNECT.equals(request.method())) {
            refused = "CONNECT is not supported over HTTP/2";
        }
        if (refused != null) {
            badRequest(request, refused);
            return;
        }
        ListenerSnapshot listener = snapshot.get();
        Admission admission = admission();
        Refusal refusal = admission == null ? null : admission.request();
        if (refusal != null && !refusal.diverts()) {
            refuse(request, refusal, admission);
            return;
        }
        Pool divert = refusal == null ? null : listener.pool(refusal.divertPool());
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !closing;
        exchange = new HttpExchange(this, ctx, upstreams, listener, request, keepAlive);
        startBodyMeter(request, admission);
        exchange.start(divert);
    }

    /**
     * A plain request head that came as bytes (see {@link RawRequestHead}): the whole request, and
     * one that every check of {@link StrictRequests} passes. The same steps as {@link #onRequestHead}.
     */
    private void onRawRequestHead(RawRequestHead raw) {
        cancelIdleTimer();
        firstRequest = false;
        if (exchange != null) {
            raw.release();
            ctx.close();
            return;
        }
        tracker.requestStarted();
        codec.responding(raw.method());
        ListenerSnapshot listener = snapshot.get();
        Admission admission = admission();
        Refusal refusal = admission == null ? null : admission.request();
        if (refusal != null && !refusal.diverts()) {
            HttpRequest decoded = raw.toDecoded();
            raw.release();
            refuse(decoded, refusal, admission);
            return;
        }
        Pool divert = refusal == null ? null : listener.pool(refusal.divertPool());
        exchange = new HttpExchange(this, ctx, upstreams, listener, raw, !raw.close() && !closing);
        exchange.start(divert);
    }

    /** A limit refused the request: 429 now, 429 after the tarpit, or a reset. Then the connection closes. */
    private void refuse(HttpRequest request, Refusal refusal, Admission admission) {
        ReferenceCountUtil.release(request);
        if (refusal.action() instanceof LimitAction.Drop) {
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            ctx.close();
            return;
        }
        long startNanos = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        Runnable answer = () -> {
            tarpitTimer = null;
            if (!ctx.channel().isActive()) {
                return;
            }
            snapshot.get().observer().requestDone(new RequestRecord(snapshot.get().config().name(),
                    clientAddress(), request.method().name(), request.uri(),
                    request.headers().get(HttpHeaderNames.HOST), protocol(request),
                    request.headers().get(HttpHeaderNames.USER_AGENT), null, null, null, 429, 0, 0, startMillis, -1,
                    System.nanoTime() - startNanos, 0, RequestRecord.Termination.LIMITED));
            ChannelFuture written = ctx.writeAndFlush(LocalResponses.of(ctx.alloc(), HttpResponseStatus.TOO_MANY_REQUESTS,
                    refusal.reason().text(), true)).addListener(ChannelFutureListener.CLOSE);
            if (http2 && admission.refusal() != null) {
                // The connection itself was refused, not just this request: it goes too.
                written.addListener(f -> ctx.channel().parent().close());
            }
        };
        if (refusal.action() instanceof LimitAction.Tarpit) {
            // Nothing more is read meanwhile: auto-read is off and no read is asked for.
            tarpitTimer = ctx.executor().schedule(answer, admission.config().tarpit().toNanos(), TimeUnit.NANOSECONDS);
        } else {
            answer.run();
        }
    }

    /**
     * Starts measuring the request's body against min_body_rate. A client that sent
     * {@code Expect: 100-continue} waits for the server's answer first, so its body is measured
     * from its first byte on.
     */
    private void startBodyMeter(HttpRequest request, Admission admission) {
        long minRate = admission == null ? 0 : admission.config().minBodyRate().bytes();
        boolean body = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
        if (minRate <= 0 || !body) {
            return;
        }
        bodyMeter = new BodyRateMeter(minRate);
        if (!request.headers().containsValue(HttpHeaderNames.EXPECT, HttpHeaderValues.CONTINUE, true)) {
            armBodyTimer();
        }
    }

    private void armBodyTimer() {
        bodyTimer = ctx.executor().scheduleAtFixedRate(this::checkBodyRate, BodyRateMeter.WINDOW_NANOS,
                BodyRateMeter.WINDOW_NANOS, TimeUnit.NANOSECONDS);
        if (readRequested) {
            bodyMeter.wanting(System.nanoTime());
        }
    }

    private void meterBody(HttpContent content) {
        if (bodyMeter == null) {
            return;
        }
        if (content instanceof LastHttpContent) {
            stopBodyMeter();
            return;
        }
        bodyMeter.received(content.content().readableBytes(), System.nanoTime());
        if (bodyTimer == null) {
            armBodyTimer();
        }
    }

    private void checkBodyRate() {
        if (bodyMeter == null || exchange == null) {
            stopBodyMeter();
            return;
        }
        if (bodyMeter.windowTooSlow(System.nanoTime())) {
            stopBodyMeter();
            Admission admission = admission();
            admission.limiter().count(Refusal.Reason.BODY_RATE);
            exchange.respondLocally(HttpResponseStatus.REQUEST_TIMEOUT, RequestRecord.Termination.CLIENT_TIMEOUT,
                    "request body slower than min_body_rate " + admission.config().minBodyRate() + "/s");
        }
    }

    private void stopBodyMeter() {
        bodyMeter = null;
        if (bodyTimer != null) {
            bodyTimer.cancel(false);
            bodyTimer = null;
        }
    }

    private void badRequest(HttpRequest request, String why) {
        snapshot.get().observer().requestDone(new RequestRecord(snapshot.get().config().name(),
                (InetSocketAddress) ctx.channel().remoteAddress(), request.method().name(), request.uri(), null,
                protocol(request), null, null, null, null, 400, 0, 0, System.currentTimeMillis(),
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
        stopBodyMeter();
        if (closed || http2) {
            // A stream ends with its response; the connection's watch times out an idle connection.
            return;
        }
        if (closing) {
            ctx.close();
            return;
        }
        awaitRequest();
    }

    private void awaitRequest() {
        if (http2) {
            // A stream exists because its HEADERS arrived: the head is already here.
            requestRead();
            return;
        }
        armIdleTimer(firstRequest || headBegun());
        requestRead();
    }

    /** @param head whether a request head is due (header_read) rather than awaited idle (client_idle) */
    private void armIdleTimer(boolean head) {
        headTimer = head;
        Duration limit = head ? snapshot.get().timeouts().headerRead() : snapshot.get().timeouts().clientIdle();
        armTimer(limit.toNanos());
    }

    /**
     * While an exchange runs, the connection's timer is its server timer: {@code exchange}'s
     * {@link HttpExchange#onServerTimer} is called once {@code nanos} have passed (within the
     * sweeper's precision), unless it asks again or cancels first.
     */
    void wakeExchangeIn(HttpExchange exchange, long nanos) {
        if (exchange == this.exchange) {
            headTimer = false;
            armTimer(nanos);
        }
    }

    /** The exchange needs no wake-up any more (it ended, or its server timeout no longer applies). */
    void cancelExchangeWake(HttpExchange exchange) {
        if (exchange == this.exchange) {
            idleDeadlineNanos = 0;
        }
    }

    private void armTimer(long nanos) {
        long deadline = System.nanoTime() + nanos;
        idleDeadlineNanos = deadline == 0 ? 1 : deadline;
        sweeper.armed(this, idleDeadlineNanos);
    }

    /** Whether bytes of the next request head have arrived (the scanner has left the pipeline after an upgrade). */
    private boolean headBegun() {
        HeadScanHandler scan = (HeadScanHandler) ctx.pipeline().get(HttpFrontendInitializer.SCAN);
        return scan != null && scan.inMessage();
    }

    /** The armed limit ran out (the sweeper has disarmed it): an idle connection closes, an exchange hears of its server timeout. */
    void idleExpired() {
        idleDeadlineNanos = 0;
        if (exchange == null) {
            ctx.close();
        } else {
            exchange.onServerTimer();
        }
    }

    /** Disarms the idle/header limit; the sweeper drops it from its table when it next looks. */
    private void cancelIdleTimer() {
        idleDeadlineNanos = 0;
    }

    /** Disarms the limit and takes the connection out of the sweeper's table (the connection is gone). */
    private void dropIdleTimer() {
        idleDeadlineNanos = 0;
        if (sweeper != null) {
            sweeper.remove(this);
        }
    }

    /** The server agreed to switch protocols: from now on bytes flow unread both ways. */
    void upgraded(Channel upstream) {
        exchange = null;
        dropIdleTimer();
        ctx.pipeline().remove(this);
        RelayHandler.link(ctx.channel(), upstream, (in, out) -> { });
        ctx.pipeline().remove(HttpFrontendInitializer.FLOW);
        ctx.pipeline().remove(HttpFrontendInitializer.CODEC);
        ctx.pipeline().remove(HttpFrontendInitializer.SCAN);
    }

    /**
     * The connection's HTTP/1.x codec, through which a server's response may pass as bytes
     * ({@link ClientConnectionCodec#startRawResponse}); {@code null} on an HTTP/2 stream.
     */
    ClientConnectionCodec codec() {
        return codec;
    }

    private void readAttributes() {
        if (!attributesRead) {
            attributesRead = true;
            clientAddress = ClientAddress.of(ctx.channel());
            tlsSession = TlsSession.of(ctx.channel());
            admission = Admission.of(ctx.channel());
        }
    }

    /** The client, as the PROXY header named it or else the peer (see {@link ClientAddress}). */
    InetSocketAddress clientAddress() {
        readAttributes();
        return clientAddress;
    }

    /** The connection's TLS session, or {@code null} in plain text (see {@link TlsSession}). */
    TlsSession tlsSession() {
        readAttributes();
        return tlsSession;
    }

    /** The connection's admission by the listener's limits, or {@code null} without limits. */
    Admission admission() {
        readAttributes();
        return admission;
    }

    /** Whether this serves an HTTP/2 stream. */
    boolean http2() {
        return http2;
    }

    /** The protocol of {@code request} as the client spoke it, for records and logs. */
    String protocol(HttpRequest request) {
        return http2 ? "HTTP/2.0" : request.protocolVersion().text();
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
        dropIdleTimer();
        stopBodyMeter();
        if (tarpitTimer != null) {
            tarpitTimer.cancel(false);
            tarpitTimer = null;
        }
        if (exchange != null) {
            exchange.onClientInactive();
            exchange = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A TLS record the client broke (SslHandler wraps the SSLException) is the client's fault too.
        if (!(cause instanceof IOException) && !(cause.getCause() instanceof javax.net.ssl.SSLException)) {
            log.warn("client {}: {}", ctx.channel().remoteAddress(), cause.toString(), cause);
        }
        ctx.close();
    }
}

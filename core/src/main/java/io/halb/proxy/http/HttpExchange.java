package io.halb.proxy.http;

import io.halb.balance.Endpoint;
import io.halb.balance.PickContext;
import io.halb.config.Timeouts;
import io.halb.config.ProxyProtocol;
import io.halb.proxy.ClientAddress;
import io.halb.proxy.ListenerSnapshot;
import io.halb.proxy.ProxyProtocolSender;
import io.halb.proxy.Pool;
import io.halb.proxy.RelayHandler;
import io.halb.proxy.RequestRecord;
import io.halb.proxy.RequestRecord.Termination;
import io.halb.proxy.RequestQueue;
import io.halb.proxy.upstream.Upstreams;
import io.halb.tls.TlsSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One request and its response, from the client's request head to the last byte of the response:
 * choosing the server, getting a connection, streaming both bodies under backpressure, retrying
 * where that is safe, and answering itself (502/503/504) where it is not.
 *
 * <p>Backpressure: the client is read only while the server connection is writable; the server is
 * read only while the client is writable. A request head is written without a flush when the
 * request has no body, so head and end go out in one write.
 *
 * <p>Retries: a request whose body so far fits the replay buffer is kept until its response
 * starts. A connect failure is retried on another server for any method (the server never saw the
 * request). A reused keep-alive connection that fails before any response byte is retried once on
 * a fresh connection to the same server, and a fresh one that fails that way on another server, in
 * both cases only for idempotent methods, which may safely reach a server twice.
 *
 * <p>Thread-safety: confined to the client channel's event loop, which is also the server
 * connection's.
 */
final class HttpExchange implements PickContext, RequestQueue.Waiter {

    /** Request bodies up to this size are kept so the request can be sent again. */
    static final int REPLAY_LIMIT = 64 * 1024;

    private final HttpFrontendHandler frontend;
    private final ChannelHandlerContext client;
    private final Upstreams upstreams;
    private final ListenerSnapshot listener;
    private final Timeouts timeouts;
    /** The decoded request head; {@code null} when the head came as bytes ({@link #rawRequest}). */
    private final HttpRequest request;
    /** The request head as the client sent it, until {@link #start} rewrites it into the replay buffer's head. */
    private RawRequestHead rawRequest;
    private final String uri;
    private final InetAddress clientAddress;
    private final boolean keepAliveClient;
    private final boolean http10Client;
    private final boolean headRequest;
    private final boolean upgradeRequested;
    private final boolean connectRequest;
    /** The server's response may pass to the client as bytes (see {@link RawResponseHead}). */
    private final boolean rawAllowed;
    private final boolean idempotent;
    private final boolean bodyless;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    private final String method;
    private final String host;
    private final String userAgent;
    private final String referer;
    private long bytesIn;
    private long bytesOut;
    private int statusSent;
    private int tries;
    private boolean reported;
    /** Why halb answered itself, or {@code null} when the server's response was relayed. */
    private Termination localTermination;

    private Pool pool;
    private int retriesLeft;
    private int retryTokens;
    private boolean ended;
    /** The servers tried so far: most requests try one, so a list is made only for a second. */
    private Endpoint triedFirst;
    private List<Endpoint> triedMore;
    private Endpoint endpoint;
    private boolean endpointCounted;
    private Channel upstream;
    private HttpBackendHandler backend;
    private boolean reused;
    private boolean freshRetryDone;

    private boolean requestComplete;
    private boolean responseSeen;
    private boolean responseStarted;
    private boolean responseComplete;
    private boolean informational;
    /** The response is being relayed as bytes: its body comes as {@link RawBody}. */
    private boolean rawResponse;
    private boolean tunnelPending;
    private boolean upstreamKeepAlive;
    private boolean serverFailed;
    private long headNanos = -1;
    private boolean closeClient;
    private boolean discarding;
    private boolean done;

    private final ReplayBuffer replay = new ReplayBuffer(REPLAY_LIMIT);

    private ScheduledFuture<?> queueTimer;
    /** Set once this request has had its turn in the queue: it does not queue behind newer ones again. */
    private boolean hadTurn;
    private long serverDeadlineNanos;
    /** Since when the client has not taken the response fast enough (its channel unwritable); -1: it has. */
    private long clientStalledSinceNanos = -1;

    /** A request whose head came as bytes and which has no body; the exchange owns {@code raw} now. */
    HttpExchange(HttpFrontendHandler frontend, ChannelHandlerContext client, Upstreams upstreams,
                 ListenerSnapshot listener, RawRequestHead raw, boolean keepAliveClient) {
        this.frontend = frontend;
        this.client = client;
        this.upstreams = upstreams;
        this.listener = listener;
        this.timeouts = listener.timeouts();
        this.request = null;
        this.rawRequest = raw;
        this.uri = raw.uri();
        this.clientAddress = frontend.clientAddress().getAddress();
        this.http10Client = false;
        this.keepAliveClient = keepAliveClient;
        HttpMethod method = raw.method();
        this.method = method.name();
        this.host = raw.host();
        this.userAgent = raw.header("user-agent");
        this.referer = raw.header("referer");
        this.headRequest = HttpMethod.HEAD.equals(method);
        this.idempotent = isIdempotent(method);
        this.upgradeRequested = false;
        this.connectRequest = false;
        this.rawAllowed = true;
        this.bodyless = true;
        this.requestComplete = true;
    }

    HttpExchange(HttpFrontendHandler frontend, ChannelHandlerContext client, Upstreams upstreams,
                 ListenerSnapshot listener, HttpRequest request, boolean keepAliveClient) {
        this.frontend = frontend;
        this.client = client;
        this.upstreams = upstreams;
        this.listener = listener;
        this.timeouts = listener.timeouts();
        this.request = request;
        this.uri = request.uri();
        this.clientAddress = frontend.clientAddress().getAddress();
        this.http10Client = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        this.keepAliveClient = keepAliveClient;
        HttpMethod method = request.method();
        this.method = method.name();
        this.host = request.headers().get(HttpHeaderNames.HOST);
        this.userAgent = request.headers().get(HttpHeaderNames.USER_AGENT);
        this.referer = request.headers().get(HttpHeaderNames.REFERER);
        this.headRequest = HttpMethod.HEAD.equals(method);
        this.idempotent = isIdempotent(method);
        this.upgradeRequested = HeaderRewriter.isUpgrade(request.headers());
        this.connectRequest = HttpMethod.CONNECT.equals(method);
        this.rawAllowed = frontend.codec() != null && !http10Client && !upgradeRequested && !connectRequest;
        this.bodyless = !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0L;
    }

    private static boolean isIdempotent(HttpMethod method) {
        return method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD) || method.equals(HttpMethod.PUT)
                || method.equals(HttpMethod.DELETE) || method.equals(HttpMethod.OPTIONS)
                || method.equals(HttpMethod.TRACE);
    }

    // ---- PickContext: what the balancer may read of this request -------------------------------

    @Override
    public InetAddress clientAddress() {
        return clientAddress;
    }

    @Override
    public String uri() {
        return uri;
    }

    @Override
    public String header(String lowerCaseName) {
        if (request == null) {
            // What goes to the server, as for a decoded head (rewritten before the pick).
            ByteBuf out = replay.head();
            return out == null ? null : RawRequestHead.header(out, lowerCaseName);
        }
        return request.headers().get(lowerCaseName);
    }

    @Override
    public String cookie(String name) {
        List<String> headers = request != null ? request.headers().getAll(HttpHeaderNames.COOKIE)
                : replay.head() != null ? RawRequestHead.values(replay.head(), "cookie", false) : List.of();
        for (String header : headers) {
            for (Cookie c : ServerCookieDecoder.LAX.decodeAll(header)) {
                if (c.name().equals(name)) {
                    return c.value();
                }
            }
        }
        return null;
    }

    /** Tried already, or full: balancers prefer the others and return such a server only if all are. */
    @Override
    public boolean tried(Endpoint e) {
        return e == triedFirst || (triedMore != null && triedMore.contains(e)) || !e.hasCapacity();
    }

    // ---- start: route, pick, connect -------------------------------------------------------------

    /**
     * Routes and starts the request. Called once, with the request head just read.
     *
     * @param divert the pool a limit sends this request to instead of its route, or {@code null}
     */
    void start(Pool divert) {
        pool = divert != null ? divert : listener.route(host, uri);
        retriesLeft = pool.config().retries();
        pool.retryBudget().requestStarted();
        TlsSession tls = frontend.tlsSession();
        if (request == null) {
            String certHeader = HeaderRewriter.clientCertificateHeader(listener.config());
            try {
                replay.keepHead(rawRequest.toServer(client.alloc(), frontend.forwarding, clientAddress, tls == null ? "http" : "https",
                        certHeader, certHeader == null || tls == null ? null : tls.clientSubject()));
            } finally {
                rawRequest.release();
                rawRequest = null;
            }
        } else {
            HeaderRewriter.toServer(request.headers(), frontend.forwarding, clientAddress, tls == null ? "http" : "https", upgradeRequested);
            HeaderRewriter.clientCertificate(request.headers(), listener.config(), tls);
            request.setProtocolVersion(HttpVersion.HTTP_1_1);
        }
        pickAndSend();
    }

    private void pickAndSend() {
        // Persistence first, on the first try only: a retry goes wherever the balancer says.
        Endpoint e = triedFirst == null ? pool.pinned(this) : null;
        if (e == null) {
            e = pool.pick(this);
        }
        if (e == null) {
            respondLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, Termination.NO_SERVER, "no server available in pool " + pool.name());
            return;
        }
        RequestQueue queue = pool.queue();
        if (queue != null && (!e.hasCapacity() || (!hadTurn && queue.size() > 0))) {
            // Every server is full, or others wait already: wait for a slot, in order.
            enqueue(queue);
            return;
        }
        useEndpoint(e);
        Channel pooled = upstreams.pool(client.channel().eventLoop()).poll(e);
        if (pooled != null && !HttpBackendInitializer.openedWith(pooled, pool.tls())) {
            pooled.close();
            pooled = null;
        }
        if (pooled != null) {
            reused = true;
            attach(pooled);
            sendRequest();
        } else {
            connect();
        }
    }

    private void enqueue(RequestQueue queue) {
        boolean queued = true;
        if (hadTurn) {
            // Its turn came but another request took the slot first: back to the front.
            queue.requeue(this);
        } else {
            queued = queue.offer(this);
        }
        if (!queued) {
            respondLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, Termination.QUEUE, "every server of pool " + pool.name()
                    + " is at max_connections and its queue is full (" + queue.capacity() + " waiting)");
            return;
        }
        if (queueTimer == null) {
            long nanos = pool.config().queueTimeout().toNanos();
            queueTimer = client.executor().schedule(() -> onQueueTimeout(queue), nanos, TimeUnit.NANOSECONDS);
        }
    }

    private void onQueueTimeout(RequestQueue queue) {
        queueTimer = null;
        if (!done && queue.remove(this)) {
            respondLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, Termination.QUEUE, "waited " + LocalResponses.format(pool.config().queueTimeout())
                    + " in the queue of pool " + pool.name() + ": every server is at max_connections");
        }
    }

    /** Its turn in the queue came: called from any thread, continues on the client's event loop. */
    @Override
    public void resume() {
        client.executor().execute(() -> {
            if (done) {
                // Left meanwhile: pass the turn on.
                pool.queue().slotFreed();
                return;
            }
            hadTurn = true;
            pickAndSend();
        });
    }

    private void cancelQueueTimer() {
        if (queueTimer != null) {
            queueTimer.cancel(false);
            queueTimer = null;
        }
    }

    private void useEndpoint(Endpoint e) {
        cancelQueueTimer();
        tries++;
        endpoint = e;
        pool.pin(clientAddress, e);
        if (triedFirst == null) {
            triedFirst = e;
        } else if (e != triedFirst && (triedMore == null || !triedMore.contains(e))) {
            if (triedMore == null) {
                triedMore = new ArrayList<>(2);
            }
            triedMore.add(e);
        }
        e.onStart();
        endpointCounted = true;
    }

    private void connect() {
        reused = false;
        Endpoint target = endpoint;
        ChannelFuture f = upstreams.connect(client.channel().eventLoop(), target, timeouts.connect(), false,
                new HttpBackendInitializer(target, upstreams, pool.tls()));
        f.addListener((ChannelFutureListener) cf -> {
            if (done) {
                cf.channel().close();
                return;
            }
            if (cf.isSuccess()) {
                attach(cf.channel());
                ProxyProtocolSender.send(cf.channel(), pool.config().sendProxy(), frontend.clientAddress(),
                        (InetSocketAddress) client.channel().localAddress());
                sendRequest();
            } else {
                onConnectFailure(target, cf.cause());
            }
        });
    }

    private void onConnectFailure(Endpoint target, Throwable cause) {
        releaseEndpoint(-1, false);
        // The server never saw the request: any method may go elsewhere.
        if (takeRetry()) {
            pickAndSend();
            return;
        }
        respondLocally(HttpResponseStatus.BAD_GATEWAY, Termination.SERVER_ERROR, "cannot connect to server " + target.name() + " ("
                + target.address() + "): " + describe(cause));
    }

    private void attach(Channel ch) {
        upstream = ch;
        backend = ch.pipeline().get(HttpBackendHandler.class);
        // halb sends one request at a time: the server's next bytes are this request's response head.
        backend.attach(this, headRequest, connectRequest, rawAllowed);
        upstreamKeepAlive = false;
        responseSeen = false;
    }

    /**
     * Writes the head and whatever body is kept for replay, then reads on. A write may fail at once
     * and hand the exchange to {@link #onUpstreamFailure}, so ownership of the connection is checked
     * again after every step that writes.
     */
    private void sendRequest() {
        Channel ch = upstream;
        armServerTimer();
        if (request == null) {
            // The whole request is the head as bytes, kept in the replay buffer.
            backend.startRawRequest();
            replay.writeTo(ch);
            ch.flush();
        } else {
            ch.write(request, ch.voidPromise());
            if (bodyless && !requestComplete) {
                // Head and the empty end leave in one flush: the end is already queued at the client.
                frontend.requestRead();
            } else {
                replay.writeTo(ch);
                ch.flush();
                if (upstream == ch && !requestComplete && ch.isWritable()) {
                    frontend.requestRead();
                }
            }
        }
        if (upstream == ch) {
            // A new connection needs its first read; a pooled one already has one pending.
            ch.read();
        }
    }

    // ---- request body ----------------------------------------------------------------------------

    /** A piece of the request body from the client; this exchange owns {@code content} now. */
    void onClientContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (content.decoderResult().isFailure()) {
            ReferenceCountUtil.release(content);
            requestComplete = true;
            closeClient = true;
            if (upstream != null) {
                closeUpstream(false);
            }
            respondLocally(HttpResponseStatus.BAD_REQUEST, Termination.BAD_REQUEST, "malformed request body: " + describe(content.decoderResult().cause()));
            return;
        }
        if (discarding || upstream == null || done) {
            ReferenceCountUtil.release(content);
            if (last) {
                requestComplete = true;
                maybeFinish();
            } else {
                frontend.requestRead();
            }
            return;
        }
        replay.keep(content);
        bytesIn += content.content().readableBytes();
        Channel ch = upstream;
        if (last) {
            requestComplete = true;
        }
        // A failed write hands the exchange to onUpstreamFailure before this returns.
        ch.writeAndFlush(content, ch.voidPromise());
        if (last) {
            maybeFinish();
        } else if (upstream == ch && ch.isWritable()) {
            frontend.requestRead();
        }
        // else: onUpstreamWritable reads on.
    }

    void onUpstreamWritable() {
        if (!done && upstream != null && upstream.isWritable() && !requestComplete && !discarding) {
            frontend.requestRead();
        }
    }

    // ---- response --------------------------------------------------------------------------------

    /** A decoded piece of the server's response; this exchange owns {@code msg} now. */
    void onResponse(Object msg) {
        touchServerTimer();
        responseSeen = true;
        if (msg instanceof RawBody body) {
            onRawBody(body);
            return;
        }
        if (msg instanceof RawResponseHead head) {
            onRawResponseHead(head);
            return;
        }
        if (msg instanceof HttpResponse response) {
            onResponseHead(response);
            // A full response object may carry content too.
            if (!(msg instanceof HttpContent)) {
                return;
            }
        }
        if (!(msg instanceof HttpContent content)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (informational) {
            client.write(content, client.voidPromise());
            if (last) {
                informational = false;
            }
            return;
        }
        if (tunnelPending) {
            content.release();
            if (last) {
                switchToTunnel();
            }
            return;
        }
        if (done) {
            content.release();
            return;
        }
        bytesOut += content.content().readableBytes();
        client.write(content, client.voidPromise());
        if (last) {
            responseComplete = true;
            maybeFinish();
        }
    }

    /**
     * A plain response head from the server, relayed as bytes: the same decisions as
     * {@link #onResponseHead} for a final response to an HTTP/1.1 client, without decoding it.
     */
    private void onRawResponseHead(RawResponseHead head) {
        if (done) {
            head.release();
            return;
        }
        headNanos = System.nanoTime() - startNanos;
        responseStarted = true;
        rawResponse = true;
        int code = head.status();
        serverFailed = code >= 500;
        // Before the replay buffer lets go: the cookie check reads the request it holds.
        String setCookie = pool.setCookie(this, endpoint, frontend.tlsSession() != null);
        replay.release();
        upstreamKeepAlive = !head.serverClose();
        if (!keepAliveClient || frontend.closing()) {
            closeClient = true;
        }
        statusSent = code;
        boolean complete = head.complete();
        if (complete) {
            bytesOut += head.bodyLength();
        }
        ByteBuf bytes = head.toClient(client.alloc(), setCookie, closeClient);
        frontend.codec().startRawResponse();
        client.write(bytes, client.voidPromise());
        if (complete) {
            responseComplete = true;
            maybeFinish();
        }
    }

    /** A piece of a body relayed as bytes. */
    private void onRawBody(RawBody body) {
        if (done || !rawResponse) {
            body.release();
            return;
        }
        bytesOut += body.content().readableBytes();
        client.write(body.content(), client.voidPromise());
        if (body.last()) {
            responseComplete = true;
            maybeFinish();
        }
    }

    private void onResponseHead(HttpResponse response) {
        if (response.decoderResult().isFailure()) {
            serverFailed = true;
            closeUpstream(false);
            respondLocally(HttpResponseStatus.BAD_GATEWAY, Termination.SERVER_ERROR, "invalid response from server " + endpoint.name()
                    + ": " + describe(response.decoderResult().cause()));
            return;
        }
        int code = response.status().code();
        if (code >= 100 && code < 200 && code != 101) {
            informational = true;
            HeaderRewriter.toClient(response.headers(), false);
            client.write(response, client.voidPromise());
            return;
        }
        headNanos = System.nanoTime() - startNanos;
        responseStarted = true;
        serverFailed = code >= 500;
        // Before the replay buffer lets go: the cookie check reads the request it holds.
        String setCookie = pool.setCookie(this, endpoint, frontend.tlsSession() != null);
        replay.release();
        HttpHeaders headers = response.headers();
        if (code == 101 && upgradeRequested) {
            tunnelPending = true;
            statusSent = code;
            cancelServerTimer();
            HeaderRewriter.toClient(headers, true);
            client.writeAndFlush(response, client.voidPromise());
            return;
        }
        // After a CONNECT the server may be tunnelling: its connection serves no other request.
        upstreamKeepAlive = HttpUtil.isKeepAlive(response) && !connectRequest;
        HeaderRewriter.toClient(headers, false);
        boolean mayHaveBody = !headRequest && code != 204 && code != 304;
        boolean chunked = HttpUtil.isTransferEncodingChunked(response);
        if (mayHaveBody && !chunked && !HttpUtil.isContentLengthSet(response)) {
            // Close-delimited from the server: chunk it for an HTTP/1.1 client, close for HTTP/1.0.
            if (http10Client) {
                closeClient = true;
            } else {
                HttpUtil.setTransferEncodingChunked(response, true);
            }
        } else if (chunked && http10Client) {
            HttpUtil.setTransferEncodingChunked(response, false);
            closeClient = true;
        }
        if (setCookie != null) {
            headers.add(HttpHeaderNames.SET_COOKIE, setCookie);
        }
        if (closeClient || !keepAliveClient || frontend.closing()) {
            closeClient = true;
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10Client) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        statusSent = code;
        client.write(response, client.voidPromise());
    }

    /** The server connection's read burst ended: push it to the client and read on if it keeps up. */
    void onUpstreamReadComplete() {
        client.flush();
        if (!done && upstream != null && !responseComplete && client.channel().isWritable()) {
            upstream.read();
        }
    }

    void onClientWritable() {
        if (client.channel().isWritable()) {
            clientStalledSinceNanos = -1;
        } else if (clientStalledSinceNanos < 0) {
            clientStalledSinceNanos = System.nanoTime();
        }
        if (!done && upstream != null && client.channel().isWritable() && responseStarted && !responseComplete) {
            upstream.read();
        }
    }

    // ---- failures --------------------------------------------------------------------------------

    /** The server connection closed or failed while this exchange owned it. */
    void onUpstreamFailure(Throwable cause) {
        if (done) {
            return;
        }
        if (tunnelPending) {
            abortClient();
            return;
        }
        boolean wasReused = reused;
        Endpoint failed = endpoint;
        closeUpstream(false);
        if (responseStarted) {
            // Part of the response is out: the client can only learn of it by the connection closing.
            releaseEndpoint(headNanos, false);
            abortClient();
            return;
        }
        boolean canResend = !responseSeen && replay.complete() && idempotent;
        if (wasReused && canResend && !freshRetryDone) {
            // Most likely the server closed an idle connection as we reused it: it never saw the
            // request. Once more on a fresh connection to the same server.
            freshRetryDone = true;
            releaseEndpoint(-1, true);
            useEndpoint(failed);
            connect();
            return;
        }
        releaseEndpoint(-1, false);
        if (canResend && takeRetry()) {
            pickAndSend();
            return;
        }
        String what = cause == null ? "closed the connection before answering"
                : isReset(cause) ? "reset the connection before answering"
                : "failed before answering (" + describe(cause) + ")";
        respondLocally(HttpResponseStatus.BAD_GATEWAY, Termination.SERVER_ERROR, "server " + failed.name() + " " + what);
    }

    /**
     * Starts the server timeout. The timer is the client connection's one lazy timer (see
     * {@link HttpFrontendHandler#wakeExchangeIn}), which waits for the connection's next request
     * between exchanges: no task is scheduled or cancelled per request.
     */
    private void armServerTimer() {
        serverDeadlineNanos = System.nanoTime() + timeouts.server().toNanos();
        scheduleServerTimer(timeouts.server().toNanos());
    }

    /** Lazy timer: activity only moves the deadline; the task re-arms itself when it fires early. */
    private void touchServerTimer() {
        serverDeadlineNanos = System.nanoTime() + timeouts.server().toNanos();
    }

    private void scheduleServerTimer(long delayNanos) {
        frontend.wakeExchangeIn(this, delayNanos);
    }

    /** The server timer ran out (called by the frontend's timer, on the event loop). */
    void onServerTimer() {
        if (done || upstream == null || tunnelPending) {
            return;
        }
        long now = System.nanoTime();
        if (responseStarted && !client.channel().isWritable()) {
            // The client is the slow side, not the server. A client that takes nothing of the
            // response for client_idle is a slow reader (it holds a server connection): cut it.
            if (clientStalledSinceNanos < 0) {
                clientStalledSinceNanos = now; // unwritable since before this exchange began
            }
            long stalled = now - clientStalledSinceNanos;
            long limit = timeouts.clientIdle().toNanos();
            if (stalled >= limit) {
                dropSlowReader();
                return;
            }
            scheduleServerTimer(Math.max(Math.min(limit - stalled, timeouts.server().toNanos()),
                    TimeUnit.MILLISECONDS.toNanos(10)));
            return;
        }
        if (now < serverDeadlineNanos) {
            // Activity since.
            scheduleServerTimer(Math.max(serverDeadlineNanos - now, TimeUnit.MILLISECONDS.toNanos(10)));
            return;
        }
        Endpoint late = endpoint;
        closeUpstream(true);
        releaseEndpoint(-1, false);
        if (responseStarted) {
            abortClient();
            return;
        }
        // A hung server: a request that may safely reach a server twice goes to another one.
        if (!responseSeen && replay.complete() && idempotent && takeRetry()) {
            pickAndSend();
            return;
        }
        respondLocally(HttpResponseStatus.GATEWAY_TIMEOUT, Termination.SERVER_TIMEOUT, "server " + late.name() + " did not answer within "
                + LocalResponses.format(timeouts.server()));
    }

    private void cancelServerTimer() {
        frontend.cancelExchangeWake(this);
    }

    /** Answers the client from halb itself: status and a one-line reason. */
    void respondLocally(HttpResponseStatus status, Termination why, String reason) {
        if (done) {
            return;
        }
        if (responseStarted) {
            abortClient();
            return;
        }
        localTermination = why;
        statusSent = status.code();
        responseStarted = true;
        responseComplete = true;
        if (upstream != null) {
            closeUpstream(false);
        }
        if (!requestComplete && !bodyless) {
            // The rest of the body will not be read: the connection cannot carry another request.
            closeClient = true;
        }
        closeClient |= !keepAliveClient || frontend.closing();
        client.write(LocalResponses.of(client.alloc(), status, reason, closeClient), client.voidPromise());
        if (requestComplete || closeClient) {
            finish();
        } else {
            // Bodyless: the request's end is queued at the client; consume it, then finish.
            discarding = true;
            client.flush();
            frontend.requestRead();
        }
    }

    // ---- the end ---------------------------------------------------------------------------------

    private void maybeFinish() {
        if (done || !responseComplete) {
            return;
        }
        if (!requestComplete) {
            if (discarding) {
                return;
            }
            // The server answered before the request ended: the rest of the request will not be
            // sent, so neither connection can carry another request.
            upstreamKeepAlive = false;
            closeClient = true;
        }
        finish();
    }

    private void finish() {
        done = true;
        endRequest();
        report(localTermination != null ? localTermination : Termination.OK);
        cancelServerTimer();
        cancelQueueTimer();
        releaseEndpoint(headNanos, !serverFailed);
        if (upstream != null) {
            Channel ch = upstream;
            Endpoint e = endpoint;
            backend.detach();
            upstream = null;
            // A connection that began with a PROXY header speaks for one client: never shared.
            if (upstreamKeepAlive && requestComplete && ch.isActive() && pool.config().sendProxy() == ProxyProtocol.NONE
                    && upstreams.pool(ch.eventLoop()).offer(e, ch)) {
                // Pending read: a pooled connection that the server closes is noticed at once.
                ch.read();
            } else {
                ch.close();
            }
        }
        replay.release();
        if (closeClient) {
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            client.flush();
        }
        frontend.exchangeDone(this, closeClient);
    }

    private void switchToTunnel() {
        done = true;
        endRequest();
        report(Termination.UPGRADED);
        tunnelPending = false;
        releaseEndpoint(headNanos, true);
        replay.release();
        Channel ch = upstream;
        backend.detach();
        upstream = null;
        client.flush();
        frontend.upgraded(ch);
        ch.pipeline().remove(HttpBackendHandler.class);
        ch.pipeline().remove(HttpBackendInitializer.CODEC);
    }

    /** The client went away: drop the server connection (it may be mid-request) and let go. */
    void onClientInactive() {
        if (done) {
            return;
        }
        done = true;
        endRequest();
        report(Termination.CLIENT_ABORT);
        cancelServerTimer();
        cancelQueueTimer();
        if (pool != null && pool.queue() != null) {
            pool.queue().remove(this);
        }
        if (upstream != null) {
            closeUpstream(false);
        }
        releaseEndpoint(-1, true);
        replay.release();
    }

    /** The client read nothing of the response for client_idle: not the server's fault, so it counts as a success for it. */
    private void dropSlowReader() {
        io.halb.guard.Admission admission = frontend.admission();
        if (admission != null) {
            admission.limiter().count(io.halb.guard.Refusal.Reason.SLOW_READ);
        }
        done = true;
        endRequest();
        report(Termination.CLIENT_ABORT);
        if (upstream != null) {
            closeUpstream(false);
        }
        releaseEndpoint(headNanos, true);
        replay.release();
        client.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        client.close();
    }

    private void abortClient() {
        done = true;
        endRequest();
        report(Termination.SERVER_ABORT);
        cancelServerTimer();
        if (upstream != null) {
            closeUpstream(false);
        }
        releaseEndpoint(-1, false);
        replay.release();
        client.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        client.close();
    }

    private void closeUpstream(boolean reset) {
        Channel ch = upstream;
        if (backend != null) {
            backend.detach();
        }
        upstream = null;
        backend = null;
        if (reset && ch.isActive()) {
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
        }
        ch.close();
    }

    private void releaseEndpoint(long elapsedNanos, boolean success) {
        if (endpointCounted) {
            endpointCounted = false;
            endpoint.onFinish(elapsedNanos, success);
            pool.record(endpoint, success);
        }
    }

    /** Whether one more try on another server is allowed: by the pool's retries and its budget. */
    private boolean takeRetry() {
        if (retriesLeft <= 0 || !pool.retryBudget().tryRetry()) {
            return false;
        }
        retriesLeft--;
        retryTokens++;
        return true;
    }

    /** Tells the listener's observer how the request ended. Once, however it ended. */
    private void report(Termination termination) {
        if (reported) {
            return;
        }
        reported = true;
        long now = System.nanoTime();
        listener.observer().requestDone(new RequestRecord(listener.config().name(),
                frontend.clientAddress(), method, uri, host,
                frontend.http2() ? "HTTP/2.0" : http10Client ? "HTTP/1.0" : "HTTP/1.1", userAgent, referer,
                pool == null ? null : pool.name(), endpoint == null ? null : endpoint.name(),
                termination == Termination.CLIENT_ABORT || termination == Termination.SERVER_ABORT ? 0 : statusSent,
                bytesIn, bytesOut, startMillis, headNanos, now - startNanos, Math.max(0, tries - 1), termination));
    }

    /** Gives back what this request held of the pool's retry budget. Once, however it ended. */
    private void endRequest() {
        if (ended || pool == null) {
            return;
        }
        ended = true;
        pool.retryBudget().requestEnded();
        for (; retryTokens > 0; retryTokens--) {
            pool.retryBudget().retryEnded();
        }
    }


    private static boolean isReset(Throwable cause) {
        String m = cause.getMessage();
        return m != null && (m.contains("reset") || m.contains("Connection reset"));
    }

    static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown error";
        }
        if (cause instanceof ConnectTimeoutException) {
            return "connect timed out";
        }
        if (cause instanceof ConnectException) {
            String m = cause.getMessage();
            if (m != null && m.contains("refused")) {
                return "connection refused";
            }
        }
        String m = cause.getMessage();
        return m == null ? cause.getClass().getSimpleName() : m;
    }
}

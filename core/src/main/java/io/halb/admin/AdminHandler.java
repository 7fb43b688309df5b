package io.halb.admin;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Answers the admin listener's requests, one at a time per connection: access first
 * ({@link AdminServerAccess}), then the dashboard's files, {@code /metrics}, the event stream or the
 * REST API ({@link JsonApi}).
 *
 * <p>Nothing here waits: control-plane calls run on the single {@code halb-admin} thread, metrics and
 * files on {@code halb-admin-io}, and each hops back to this channel's event loop with its answer.
 * The channel reads with autoRead off: the next read is asked for once the previous request is
 * answered, so answers go out in order. Requests a client pipelined into one read wait here, a few at
 * most.
 *
 * <p>Thread-safety: one instance per channel; its fields are confined to the channel's event loop.
 */
final class AdminHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    private static final String JSON = "application/json; charset=utf-8";
    private static final String API = "/api/v1/";
    private static final byte[] NO_BODY = new byte[0];
    /** Pipelined requests kept while one is answered; a client that sends more is closed. */
    private static final int MAX_PIPELINED = 16;

    /** What every connection of one admin server shares. Thread-safe. */
    record Shared(AdminServerAccess access, JsonApi api, Json json, AdminServerFiles files, ControlPlane plane,
                  Supplier<String> metricsScrape, Executor planeExecutor, Executor ioExecutor, Duration pingInterval) {}

    private final Shared shared;

    // Event loop only.
    /** Requests read while another is answered; each is released when answered or on close. */
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private boolean keepAlive;
    private boolean http10;
    private boolean inFlight;
    private SseStream events;

    AdminHandler(Shared shared) {
        this.shared = shared;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest) || events != null) {
            // After an event stream began, the client has nothing more to ask on this connection.
            ReferenceCountUtil.release(msg);
            return;
        }
        FullHttpRequest request = (FullHttpRequest) msg;
        if (inFlight) {
            // Released when answered (answerNext) or when the channel closes (channelInactive).
            waiting.add(request);
            if (waiting.size() > MAX_PIPELINED) {
                log.debug("admin: closing {}: more than {} pipelined requests", ctx.channel().remoteAddress(), MAX_PIPELINED);
                ctx.close();
            }
            return;
        }
        answer(ctx, request);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // A read that brought no whole request (or only part of one) asks for the rest.
        if (!inFlight && events == null && waiting.isEmpty()) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (FullHttpRequest r; (r = waiting.poll()) != null; ) {
            r.release();
        }
        ctx.fireChannelInactive();
    }

    /** Answers the next pipelined request, or reads for one. Event loop. */
    private void answerNext(ChannelHandlerContext ctx) {
        if (inFlight || events != null || !ctx.channel().isActive()) {
            return;
        }
        FullHttpRequest next = waiting.poll();
        if (next == null) {
            ctx.read();
        } else {
            answer(ctx, next);
        }
    }

    private void answer(ChannelHandlerContext ctx, FullHttpRequest request) {
        try {
            inFlight = true;
            keepAlive = HttpUtil.isKeepAlive(request);
            http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
            if (request.decoderResult().isFailure()) {
                keepAlive = false;
                sendError(ctx, 400, "malformed request: " + request.decoderResult().cause().getMessage());
                return;
            }
            handle(ctx, request);
        } finally {
            request.release();
        }
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        String method = request.method().name();
        String path = new QueryStringDecoder(request.uri()).rawPath();
        boolean dashboard = path.equals("/") || path.equals("/dashboard") || path.startsWith("/dashboard/");
        AdminServerAccess.Denial denial = shared.access().check(request.headers(), dashboard && method.equals("GET"));
        if (denial != null) {
            shared.access().logDenial(log, method, path, ctx.channel().remoteAddress(), denial);
            Map<String, String> headers = denial.status() == 401
                    ? Map.of(HttpHeaderNames.WWW_AUTHENTICATE.toString(), "Bearer realm=\"halb\"")
                    : Map.of();
            send(ctx, denial.status(), JSON, shared.json().write(new JsonResponse.Error(denial.message())), headers);
            return;
        }
        if (dashboard) {
            dashboard(ctx, method, path);
        } else if (path.equals("/metrics")) {
            metrics(ctx, method);
        } else if (path.equals(API + "events")) {
            events(ctx, method);
        } else if (path.startsWith(API)) {
            api(ctx, method, path, request);
        } else {
            sendError(ctx, 404, "no such path: " + path);
        }
    }

    private void dashboard(ChannelHandlerContext ctx, String method, String path) {
        if (!method.equals("GET")) {
            sendMethodNotAllowed(ctx, method, "GET");
            return;
        }
        if (path.equals("/") || path.equals("/dashboard")) {
            send(ctx, 302, null, NO_BODY, Map.of(HttpHeaderNames.LOCATION.toString(), "/dashboard/"));
            return;
        }
        String file;
        try {
            file = QueryStringDecoder.decodeComponent(path.substring("/dashboard/".length()));
        } catch (IllegalArgumentException e) {
            sendError(ctx, 400, "path: " + e.getMessage());
            return;
        }
        if (!AdminServerFiles.allowed(file)) {
            sendError(ctx, 400, "path: '" + path + "' (expected: a dashboard file name; '..' is not allowed)");
            return;
        }
        offLoop(ctx, shared.ioExecutor(), () -> {
            Optional<AdminServerFiles.StaticFile> found = shared.files().read(file);
            return () -> {
                if (found.isEmpty()) {
                    sendError(ctx, 404, "no such dashboard file: " + path);
                } else {
                    send(ctx, 200, found.get().contentType(), found.get().content(),
                            Map.of(HttpHeaderNames.CACHE_CONTROL.toString(), HttpHeaderValues.NO_CACHE.toString()));
                }
            };
        });
    }

    private void metrics(ChannelHandlerContext ctx, String method) {
        if (!method.equals("GET")) {
            sendMethodNotAllowed(ctx, method, "GET");
            return;
        }
        // Not on halb-admin: a scrape must not wait behind a reload or a state-file write.
        offLoop(ctx, shared.ioExecutor(), () -> {
            byte[] text = shared.metricsScrape().get().getBytes(StandardCharsets.UTF_8);
            return () -> send(ctx, 200, AdminServer.METRICS_CONTENT_TYPE, text, Map.of());
        });
    }

    private void events(ChannelHandlerContext ctx, String method) {
        if (!method.equals("GET")) {
            sendMethodNotAllowed(ctx, method, "GET");
            return;
        }
        SseStream stream = new SseStream(ctx.channel(), shared.json(), shared.pingInterval(), shared.planeExecutor());
        events = stream;
        offLoop(ctx, shared.planeExecutor(), () -> {
            stream.subscribed(shared.plane().subscribe(stream::publish));
            return stream::begin;
        });
    }

    private void api(ChannelHandlerContext ctx, String method, String path, FullHttpRequest request) {
        List<String> segments = new ArrayList<>();
        try {
            for (String s : path.substring(API.length()).split("/", -1)) {
                segments.add(QueryStringDecoder.decodeComponent(s));
            }
        } catch (IllegalArgumentException e) {
            sendError(ctx, 400, "path: " + e.getMessage());
            return;
        }
        if (segments.size() > 1 && segments.get(segments.size() - 1).isEmpty()) {
            segments.remove(segments.size() - 1);
        }
        byte[] body = ByteBufUtil.getBytes(request.content());
        Object remote = ctx.channel().remoteAddress();
        offLoop(ctx, shared.planeExecutor(), () -> {
            JsonResponse response = shared.api().handle(method, segments, body);
            if (!method.equals("GET")) {
                log.info("admin: {} {} from {}: {}", method, path, remote, response.status());
            }
            byte[] bytes = response.body() == null ? NO_BODY : shared.json().write(response.body());
            return () -> send(ctx, response.status(), JSON, bytes, response.headers());
        });
    }

    /**
     * Runs {@code work} on {@code executor}, then what it returns on this channel's event loop. A full
     * queue answers 503; a failure 500.
     */
    private void offLoop(ChannelHandlerContext ctx, Executor executor, Supplier<Runnable> work) {
        try {
            executor.execute(() -> {
                Runnable answer;
                try {
                    answer = work.get();
                } catch (RuntimeException e) {
                    log.warn("admin: request from {} failed", ctx.channel().remoteAddress(), e);
                    answer = () -> {
                        events = null;
                        sendError(ctx, 500, "internal error: " + e);
                    };
                }
                try {
                    ctx.executor().execute(answer);
                } catch (RejectedExecutionException e) {
                    // The event loop is shutting down, and the connection with it.
                }
            });
        } catch (RejectedExecutionException e) {
            events = null;
            sendError(ctx, 503, "admin listener busy or closing: too many requests waiting; try again");
        }
    }

    private void sendMethodNotAllowed(ChannelHandlerContext ctx, String method, String allow) {
        JsonResponse r = JsonResponse.methodNotAllowed(method, allow);
        send(ctx, r.status(), JSON, shared.json().write(r.body()), r.headers());
    }

    private void sendError(ChannelHandlerContext ctx, int status, String message) {
        send(ctx, status, JSON, shared.json().write(new JsonResponse.Error(message)), Map.of());
    }

    /** Writes one whole response, then reads the next request or closes. Event loop. */
    private void send(ChannelHandlerContext ctx, int status, String contentType, byte[] body, Map<String, String> extra) {
        if (!ctx.channel().isActive()) {
            return;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                ctx.alloc().buffer(body.length).writeBytes(body));
        HttpHeaders h = response.headers();
        if (contentType != null && body.length > 0) {
            h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        if (status != 204) {
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        }
        h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        h.set("X-Content-Type-Options", "nosniff");
        extra.forEach(h::set);
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        inFlight = false;
        boolean close = !keepAlive;
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            if (close || !f.isSuccess()) {
                f.channel().close();
            } else {
                // A task of its own: answering a pipelined request here would nest one send in another.
                ctx.executor().execute(() -> answerNext(ctx));
            }
        });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && !inFlight && events == null) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("admin: connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("admin: connection from {} failed", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}

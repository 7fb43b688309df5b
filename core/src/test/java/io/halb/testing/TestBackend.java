package io.halb.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP/1.1 server on 127.0.0.1, port 0, for halb to proxy to: it answers with its name,
 * counts connections and requests, records every request (and optionally every raw byte), and can
 * misbehave in the ways real servers do (stall, reset, close early, close a kept-alive connection
 * without warning).
 *
 * <p>The body of a {@link Mode#NORMAL} answer is {@code "<name> <METHOD> <uri>"}. Every answer
 * carries {@code X-Backend}, {@code X-Request-Body-Length} and {@code X-Request-Body-Crc32} (hex)
 * describing the request it answers. {@code Expect: 100-continue} is answered with
 * {@code 100 Continue}.
 *
 * <p>Thread-safety: the accessors may be called from any thread; the server runs on its own event
 * loop (one thread, NIO, independent of halb's).
 */
public final class TestBackend implements Closeable {

    /** What the backend does with a complete request. */
    public enum Mode {
        /** A content-length answer {@code "<name> <METHOD> <uri>"}. */
        NORMAL,
        /** The same body, sent chunked in three pieces. */
        CHUNKED,
        /** {@link Builder#streamBytes} of {@link Payload} generated on the fly, with backpressure. */
        STREAM,
        /** The request body, sent back with a content-length. */
        ECHO,
        /** Reads the request and never answers. */
        STALL,
        /** Resets the connection (SO_LINGER 0 close) when a request head arrives. */
        RESET,
        /** A WebSocket echo on path {@code /ws}; other requests get the NORMAL answer. */
        WEBSOCKET_ECHO
    }

    /** Largest body {@link Mode#ECHO} holds; larger ones are answered 413. */
    public static final int ECHO_LIMIT = 64 * 1024 * 1024;
    private static final int RAW_LIMIT = 64 * 1024 * 1024;

    private final String name;
    private final Mode mode;
    private final Duration delay;
    private final long streamBytes;
    private final boolean streamChunked;
    private final int closeAfterRequests;
    private final int staleAfterRequests;
    private final boolean recordRawBytes;
    private final int port;

    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger requestHeads = new AtomicInteger();
    private final AtomicLong streamed = new AtomicLong();
    private final ConcurrentLinkedQueue<RecordedRequest> recorded = new ConcurrentLinkedQueue<>();
    /** Guarded by itself. */
    private final ByteArrayOutputStream raw = new ByteArrayOutputStream();

    private TestBackend(Builder b) throws InterruptedException {
        this.name = b.name;
        this.mode = b.mode;
        this.delay = b.delay;
        this.streamBytes = b.streamBytes;
        this.streamChunked = b.streamChunked;
        this.closeAfterRequests = b.closeAfterRequests;
        this.staleAfterRequests = b.staleAfterRequests;
        this.recordRawBytes = b.recordRawBytes;
        this.port = b.port;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("backend-" + name, true),
                NioIoHandler.newFactory());
        try {
            this.serverChannel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            accepted(ch);
                        }
                    })
                    .bind("127.0.0.1", port).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** A backend in {@link Mode#NORMAL}. */
    public static TestBackend start(String name) throws InterruptedException {
        return builder(name).start();
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    /** {@code 127.0.0.1:port}, as written in a configuration. */
    public String hostPort() {
        return "127.0.0.1:" + port();
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Connections open now. */
    public int openConnections() {
        return openConnections.get();
    }

    /** Request heads received so far (including requests dropped or reset at their head). */
    public int requestHeads() {
        return requestHeads.get();
    }

    /** Requests received so far (recorded ones; see {@link #recordedRequests()}). */
    public int requests() {
        return recorded.size();
    }

    /** Body bytes of {@link Mode#STREAM} answers handed to the socket so far (what the peer let it write). */
    public long streamedBytes() {
        return streamed.get();
    }

    /** Every request received completely (or dropped at its head in {@link Mode#RESET}), in order. */
    public List<RecordedRequest> recordedRequests() {
        return List.copyOf(recorded);
    }

    /** The last request recorded. */
    public RecordedRequest lastRequest() {
        List<RecordedRequest> all = recordedRequests();
        if (all.isEmpty()) {
            throw new AssertionError(name + " has received no request");
        }
        return all.get(all.size() - 1);
    }

    /** Every byte received on every connection, in arrival order (needs {@link Builder#recordRawBytes}). */
    public byte[] rawBytes() {
        synchronized (raw) {
            return raw.toByteArray();
        }
    }

    /** Closes the listening socket and every connection, and stops the event loop. */
    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        channels.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Override
    public String toString() {
        return "TestBackend(" + name + ", " + mode + ", " + serverChannel.localAddress() + ")";
    }

    private void accepted(SocketChannel ch) {
        connections.incrementAndGet();
        openConnections.incrementAndGet();
        ch.closeFuture().addListener(f -> openConnections.decrementAndGet());
        channels.add(ch);
        ChannelPipeline p = ch.pipeline();
        if (recordRawBytes) {
            p.addLast("raw", new RawCapture());
        }
        p.addLast("codec", new HttpServerCodec());
        if (mode == Mode.WEBSOCKET_ECHO) {
            p.addLast("aggregator", new HttpObjectAggregator(1024 * 1024));
            p.addLast("handshake", new HandshakeRecorder());
            p.addLast("websocket", new WebSocketServerProtocolHandler("/ws"));
            p.addLast("echo", new WebSocketEchoHandler());
        } else {
            p.addLast("continue", new HttpServerExpectContinueHandler());
            p.addLast("chunked", new ChunkedWriteHandler());
        }
        p.addLast("backend", new BackendHandler());
    }

    /** Copies every received byte into {@link #raw}; passes the buffer on untouched. */
    private final class RawCapture extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws IOException {
            if (msg instanceof ByteBuf buf) {
                synchronized (raw) {
                    int n = Math.min(buf.readableBytes(), RAW_LIMIT - raw.size());
                    if (n > 0) {
                        buf.getBytes(buf.readerIndex(), raw, n);
                    }
                }
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** Records upgrade requests, which the WebSocket handler consumes; passes everything on. */
    private final class HandshakeRecorder extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest req && req.headers().contains(HttpHeaderNames.UPGRADE)) {
                requestHeads.incrementAndGet();
                recorded.add(record(name, req, req.content().readableBytes(), 0));
            }
            ctx.fireChannelRead(msg);
        }
    }

    private static RecordedRequest record(String backend, HttpRequest req, long bodyLength, long crc) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (Map.Entry<String, String> e : req.headers()) {
            headers.add(new AbstractMap.SimpleImmutableEntry<>(e.getKey(), e.getValue()));
        }
        return new RecordedRequest(backend, req.method().name(), req.uri(), req.protocolVersion().text(),
                headers, bodyLength, crc);
    }

    /** Echoes data frames; the protocol handler answers pings and closes. */
    private static final class WebSocketEchoHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame
                    || frame instanceof ContinuationWebSocketFrame) {
                ctx.writeAndFlush(frame.retainedDuplicate()); // released by the encoder once written
            }
        }
    }

    /**
     * One connection's requests. Confined to the backend's event loop; every message it receives is
     * released here.
     */
    private final class BackendHandler extends ChannelInboundHandlerAdapter {
        private final BodyDigest digest = new BodyDigest();
        private HttpRequest request;
        /** The body kept for {@link Mode#ECHO}; owned here until handed to the answer. */
        private CompositeByteBuf echo;
        private int completedOnConnection;
        private boolean dropping;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest req) {
                    head(ctx, req);
                }
                if (dropping || request == null) {
                    return;
                }
                if (msg instanceof HttpContent content) {
                    digest.update(content.content());
                    if (echo != null && echo.readableBytes() + content.content().readableBytes() <= ECHO_LIMIT) {
                        echo.addComponent(true, content.content().retain()); // released with echo
                    }
                    if (content instanceof LastHttpContent) {
                        complete(ctx);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void head(ChannelHandlerContext ctx, HttpRequest req) {
            requestHeads.incrementAndGet();
            if (staleAfterRequests > 0 && completedOnConnection >= staleAfterRequests) {
                // What a proxy sees when it reuses a connection the server has just closed as idle.
                dropping = true;
                ctx.close();
                return;
            }
            if (mode == Mode.RESET) {
                recorded.add(record(req, -1, 0));
                dropping = true;
                ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
                ctx.close();
                return;
            }
            request = req;
            digest.reset();
            releaseEcho();
            if (mode == Mode.ECHO) {
                echo = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
            }
        }

        private void complete(ChannelHandlerContext ctx) {
            completedOnConnection++;
            HttpRequest req = request;
            request = null;
            RecordedRequest r = record(req, digest.length(), digest.crc32());
            recorded.add(r);
            ByteBuf body = echo;
            echo = null;
            if (req.decoderResult().isFailure()) {
                ReferenceCountUtil.release(body);
                FullHttpResponse bad = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
                        Unpooled.copiedBuffer("bad request\n", StandardCharsets.US_ASCII));
                HttpUtil.setContentLength(bad, bad.content().readableBytes());
                ctx.writeAndFlush(bad).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            if (mode == Mode.STALL) {
                ReferenceCountUtil.release(body);
                return;
            }
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            boolean close = !keepAlive || (closeAfterRequests > 0 && completedOnConnection >= closeAfterRequests);
            if (delay.isZero()) {
                answer(ctx, r, body, keepAlive, close);
            } else {
                ctx.executor().schedule(() -> answer(ctx, r, body, keepAlive, close),
                        delay.toNanos(), TimeUnit.NANOSECONDS);
            }
        }

        private void answer(ChannelHandlerContext ctx, RecordedRequest r, ByteBuf echoBody, boolean keepAlive,
                            boolean close) {
            ChannelFuture last;
            switch (mode) {
                case ECHO -> {
                    ByteBuf body = echoBody != null ? echoBody : Unpooled.EMPTY_BUFFER;
                    HttpResponseStatus status = r.bodyLength() > ECHO_LIMIT
                            ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE : HttpResponseStatus.OK;
                    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
                    describe(res, r, keepAlive);
                    HttpUtil.setContentLength(res, body.readableBytes());
                    last = ctx.writeAndFlush(res);
                }
                case CHUNKED -> {
                    byte[] text = nameBody(r);
                    HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    describe(res, r, keepAlive);
                    HttpUtil.setTransferEncodingChunked(res, true);
                    ctx.write(res);
                    int third = Math.max(1, text.length / 3);
                    for (int off = 0; off < text.length; off += third) {
                        int n = Math.min(third, text.length - off);
                        ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(text, off, n)));
                    }
                    last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                }
                case STREAM -> {
                    HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    describe(res, r, keepAlive);
                    if (streamChunked) {
                        HttpUtil.setTransferEncodingChunked(res, true);
                    } else {
                        HttpUtil.setContentLength(res, streamBytes);
                    }
                    ctx.write(res);
                    last = ctx.writeAndFlush(new HttpChunkedInput(new PayloadInput(streamBytes, streamed)));
                }
                default -> {
                    byte[] text = nameBody(r);
                    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            Unpooled.wrappedBuffer(text));
                    describe(res, r, keepAlive);
                    HttpUtil.setContentLength(res, text.length);
                    last = ctx.writeAndFlush(res);
                }
            }
            if (mode != Mode.ECHO) {
                ReferenceCountUtil.release(echoBody);
            }
            if (close) {
                last.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private byte[] nameBody(RecordedRequest r) {
            return (name + " " + r.method() + " " + r.uri()).getBytes(StandardCharsets.UTF_8);
        }

        private void describe(HttpResponse res, RecordedRequest r, boolean keepAlive) {
            HttpHeaders h = res.headers();
            h.set("X-Backend", name);
            h.set("X-Request-Body-Length", Math.max(0, r.bodyLength()));
            h.set("X-Request-Body-Crc32", Long.toHexString(r.bodyCrc32()));
            h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
            if (!keepAlive) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
        }

        private RecordedRequest record(HttpRequest req, long bodyLength, long crc) {
            return TestBackend.record(name, req, bodyLength, crc);
        }

        private void releaseEcho() {
            if (echo != null) {
                echo.release();
                echo = null;
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            releaseEcho();
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Peers reset connections on purpose in these tests; closing is the whole answer.
            ctx.close();
        }
    }

    /** {@link Payload} as chunks of at most one block, generated when the channel can take them. */
    private static final class PayloadInput implements ChunkedInput<ByteBuf> {
        private final long length;
        private final AtomicLong streamed;
        private long offset;

        PayloadInput(long length, AtomicLong streamed) {
            this.length = length;
            this.streamed = streamed;
        }

        @Override
        public boolean isEndOfInput() {
            return offset >= length;
        }

        @Override
        public void close() {
        }

        @Deprecated
        @Override
        public ByteBuf readChunk(ChannelHandlerContext ctx) {
            return readChunk(ctx.alloc());
        }

        @Override
        public ByteBuf readChunk(ByteBufAllocator allocator) {
            if (isEndOfInput()) {
                return null;
            }
            int n = (int) Math.min(Payload.BLOCK, length - offset);
            ByteBuf buf = allocator.heapBuffer(n, n);
            Payload.fill(offset, buf.array(), buf.arrayOffset() + buf.writerIndex(), n);
            buf.writerIndex(buf.writerIndex() + n);
            offset += n;
            streamed.addAndGet(n);
            return buf;
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public long progress() {
            return offset;
        }
    }

    /** How a {@link TestBackend} behaves; {@link #start()} binds it. */
    public static final class Builder {
        private final String name;
        private Mode mode = Mode.NORMAL;
        private Duration delay = Duration.ZERO;
        private long streamBytes;
        private boolean streamChunked;
        private int closeAfterRequests;
        private int staleAfterRequests;
        private boolean recordRawBytes;
        private int port;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        public Builder mode(Mode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** Waits this long after a request is complete before answering it. */
        public Builder delay(Duration delay) {
            this.delay = Objects.requireNonNull(delay, "delay");
            return this;
        }

        /** {@link Mode#STREAM}: answers {@code bytes} of {@link Payload}, chunked or with a content-length. */
        public Builder stream(long bytes, boolean chunked) {
            this.mode = Mode.STREAM;
            this.streamBytes = bytes;
            this.streamChunked = chunked;
            return this;
        }

        /** Closes a connection right after its {@code n}th answer, without a {@code Connection: close}. */
        public Builder closeAfterRequests(int n) {
            this.closeAfterRequests = n;
            return this;
        }

        /**
         * After {@code n} answers on a connection, closes it (FIN, no answer) when the next request
         * arrives: what a proxy sees when it reuses a kept-alive connection the server has just
         * closed as idle.
         */
        public Builder staleAfterRequests(int n) {
            this.staleAfterRequests = n;
            return this;
        }

        /** Keeps every byte received (up to 64 MiB) for {@link TestBackend#rawBytes()}. */
        public Builder recordRawBytes(boolean record) {
            this.recordRawBytes = record;
            return this;
        }

        /**
         * Listens on this port of 127.0.0.1 instead of a free one: a server that comes back where
         * a closed one was (the listening socket has SO_REUSEADDR, so connections of the old one
         * in TIME_WAIT do not stand in the way).
         */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
            }
            this.port = port;
            return this;
        }

        public TestBackend start() throws InterruptedException {
            return new TestBackend(this);
        }
    }
}

package io.halb.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP/2 client over cleartext TCP with prior knowledge (Netty's frame codec and stream
 * multiplexer), to drive halb's HTTP/2 frontend: any number of concurrent streams, bodies streamed
 * with backpressure and checksummed at both ends, resets, header blocks as written (malformed ones
 * too: nothing is validated on the way out), and the GOAWAY a server sends.
 *
 * <p>Thread-safety: the methods may be called from any thread; the connection runs on its own event
 * loop.
 */
public final class H2Client implements Closeable {

    /** Bodies up to this size are also kept whole, for {@link Exchange#bodyText()}. */
    private static final int KEEP_LIMIT = 1024 * 1024;
    private static final int CHUNK = 16 * 1024;
    private static final int WINDOW = 1024 * 1024;

    private final EventLoopGroup group;
    private final Channel channel;
    private final CompletableFuture<Http2GoAway> goAway = new CompletableFuture<>();

    /** What a GOAWAY said. */
    public record Http2GoAway(int lastStreamId, long errorCode) {}

    private H2Client(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** Connects and sends the connection preface, with a 1 MiB receive window per stream and per connection. */
    public static H2Client connect(InetSocketAddress address) throws InterruptedException {
        return connect(address, null);
    }

    /** Like {@link #connect(InetSocketAddress)}, with {@code prelude} (a PROXY protocol header) sent before the preface. */
    public static H2Client connect(InetSocketAddress address, byte[] prelude) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("h2-client", true),
                NioIoHandler.newFactory());
        H2Client[] self = new H2Client[1];
        try {
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            // The HTTP/2 handlers join once connected, so a prelude goes out before the preface.
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelActive(ChannelHandlerContext ctx) {
                                    if (prelude != null) {
                                        ctx.writeAndFlush(ctx.alloc().buffer(prelude.length).writeBytes(prelude));
                                    }
                                    addHttp2Handlers(ctx, self);
                                    ctx.pipeline().remove(this);
                                    ctx.fireChannelActive();
                                }
                            });
                        }
                    })
                    .connect(address).sync().channel();
            H2Client client = new H2Client(group, ch);
            self[0] = client;
            ch.writeAndFlush(new DefaultHttp2WindowUpdateFrame(WINDOW)).sync();
            return client;
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static void addHttp2Handlers(ChannelHandlerContext ctx, H2Client[] self) {
        ctx.pipeline()
                .addLast(Http2FrameCodecBuilder.forClient()
                        .initialSettings(Http2Settings.defaultSettings().initialWindowSize(WINDOW))
                        .validateHeaders(false)
                        .build())
                .addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()))
                .addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof Http2GoAwayFrame g) {
                            self[0].goAway.complete(new Http2GoAway(g.lastStreamId(), g.errorCode()));
                        }
                        ReferenceCountUtil.release(msg);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }
                });
    }

    /** {@code GET path} with authority {@code app.test}. */
    public static Http2Headers get(String path) {
        return headers("GET", path);
    }

    /** A request head: method, scheme http, authority {@code app.test}, path. Not validated. */
    public static Http2Headers headers(String method, String path) {
        return new DefaultHttp2Headers(false).method(method).scheme("http").authority("app.test").path(path);
    }

    /** Opens a stream and sends {@code headers}, then {@code body} if not {@code null}. */
    public Exchange request(Http2Headers headers, byte[] body) throws InterruptedException {
        Exchange ex = open();
        ex.stream.eventLoop().execute(() -> {
            ex.stream.write(new DefaultHttp2HeadersFrame(headers, body == null));
            if (body != null) {
                ex.stream.write(new DefaultHttp2DataFrame(ex.stream.alloc().buffer(body.length).writeBytes(body), true));
            }
            ex.stream.flush();
        });
        return ex;
    }

    /**
     * Opens a stream, sends {@code headers} and then {@code bytes} of {@link Payload} as fast as the
     * stream's flow-control window lets it; {@link Exchange#sent()} digests what went out.
     */
    public Exchange upload(Http2Headers headers, long bytes) throws InterruptedException {
        Exchange ex = open();
        ex.uploadRemaining = bytes;
        ex.stream.eventLoop().execute(() -> {
            ex.stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, bytes == 0));
            ex.pump();
        });
        return ex;
    }

    private Exchange open() throws InterruptedException {
        Exchange ex = new Exchange();
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(channel).handler(ex.handler).open().sync().getNow();
        ex.stream = stream;
        return ex;
    }

    /** The GOAWAY the server sent, once it did. */
    public CompletableFuture<Http2GoAway> goAway() {
        return goAway;
    }

    /** Whether the connection is still open. */
    public boolean isOpen() {
        return channel.isActive();
    }

    /** Completes when the server (or this client) closed the connection. */
    public CompletableFuture<Void> closed() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        channel.closeFuture().addListener(x -> f.complete(null));
        return f;
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** One stream: what was sent and what came back. */
    public static final class Exchange {
        private final CompletableFuture<Exchange> done = new CompletableFuture<>();
        private final BodyDigest received = new BodyDigest();
        private final BodyDigest sent = new BodyDigest();
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final AtomicLong receivedBytes = new AtomicLong();
        private final CompletableFuture<Http2Headers> head = new CompletableFuture<>();
        private final java.util.List<Integer> informational = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile long resetCode = -1;
        private volatile boolean ended;
        private volatile Http2StreamChannel stream;
        private long uploadRemaining;
        private final byte[] chunk = new byte[CHUNK];
        private long uploadPosition;
        private final ChannelInboundHandlerAdapter handler = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    if (msg instanceof Http2HeadersFrame h) {
                        CharSequence status = h.headers().status();
                        if (status != null && status.length() == 3 && status.charAt(0) == '1') {
                            informational.add(Integer.parseInt(status.toString()));
                            return;
                        }
                        head.complete(h.headers());
                        if (h.isEndStream()) {
                            end();
                        }
                    } else if (msg instanceof Http2DataFrame d) {
                        ByteBuf content = d.content();
                        synchronized (received) {
                            received.update(content);
                            int n = Math.min(content.readableBytes(), KEEP_LIMIT - kept.size());
                            if (n > 0) {
                                content.getBytes(content.readerIndex(), kept, n);
                            }
                        }
                        receivedBytes.addAndGet(content.readableBytes());
                        if (d.isEndStream()) {
                            end();
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof Http2ResetFrame r) {
                    resetCode = r.errorCode();
                    done.complete(Exchange.this);
                }
            }

            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                pump();
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                done.complete(Exchange.this);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                done.completeExceptionally(cause);
                ctx.close();
            }
        };

        private void end() {
            ended = true;
            done.complete(this);
        }

        /** Writes upload chunks while the stream can take them. On the stream's event loop. */
        private void pump() {
            while (uploadRemaining > 0 && stream.isActive() && stream.isWritable()) {
                int n = (int) Math.min(CHUNK, uploadRemaining);
                // One chunk array for the whole upload: garbage at the upload's rate would show as heap growth.
                byte[] bytes = chunk;
                Payload.fill(uploadPosition, bytes, 0, n);
                sent.update(bytes, 0, n);
                uploadPosition += n;
                uploadRemaining -= n;
                stream.write(new DefaultHttp2DataFrame(stream.alloc().directBuffer(n).writeBytes(bytes, 0, n), uploadRemaining == 0));
            }
            stream.flush();
        }

        /** Waits until the stream ended (response complete, reset, or connection closed). */
        public Exchange await(Duration limit) throws InterruptedException, ExecutionException, TimeoutException {
            return done.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Completes when the stream ended. */
        public CompletableFuture<Exchange> done() {
            return done;
        }

        /** Completes with the response head. */
        public CompletableFuture<Http2Headers> head() {
            return head;
        }

        /** The response status, or -1 when none came. */
        public int status() {
            Http2Headers h = head.getNow(null);
            return h == null || h.status() == null ? -1 : Integer.parseInt(h.status().toString());
        }

        /** A response header, or {@code null}. */
        public String header(String name) {
            Http2Headers h = head.getNow(null);
            CharSequence v = h == null ? null : h.get(name);
            return v == null ? null : v.toString();
        }

        /** The 1xx statuses received before the response. */
        public java.util.List<Integer> informational() {
            return informational;
        }

        /** Whether the response ended with END_STREAM. */
        public boolean ended() {
            return ended;
        }

        /** The RST_STREAM error code the server sent, or -1. */
        public long resetCode() {
            return resetCode;
        }

        public String bodyText() {
            synchronized (received) {
                return kept.toString(StandardCharsets.UTF_8);
            }
        }

        /** Digest of the response body so far. */
        public long receivedLength() {
            return receivedBytes.get();
        }

        public long receivedCrc32() {
            synchronized (received) {
                return received.crc32();
            }
        }

        /** Digest of the uploaded body so far. */
        public BodyDigest sent() {
            return sent;
        }

        /** Stops (false) or resumes (true) reading the response: a slow client. */
        public void reading(boolean on) {
            stream.config().setAutoRead(on);
        }

        /** Completes when the client's stream channel has closed (and released what it held). */
        public CompletableFuture<Void> streamClosed() {
            CompletableFuture<Void> f = new CompletableFuture<>();
            stream.closeFuture().addListener(x -> f.complete(null));
            return f;
        }

        /** Sends RST_STREAM(CANCEL). */
        public void reset() {
            stream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
        }

        /** The stream's id. */
        public int id() {
            return stream.stream().id();
        }

        @Override
        public String toString() {
            return "stream " + (stream == null ? "?" : stream.stream().id()) + ": status " + status() + ", "
                    + receivedLength() + " bytes" + (ended ? ", ended" : "") + (resetCode >= 0 ? ", reset " + resetCode : "");
        }
    }
}

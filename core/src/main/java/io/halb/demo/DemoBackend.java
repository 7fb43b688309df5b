package io.halb.demo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A demo backend: an HTTP server that answers every request with its name (and {@code /healthz}
 * with {@code ok}), after an optional delay. Small bodies only; it is a demo, not a web server.
 */
public final class DemoBackend implements AutoCloseable {

    private final String name;
    private final Channel channel;

    private DemoBackend(String name, Channel channel) {
        this.name = name;
        this.channel = channel;
    }

    /** Starts a backend on {@code host:port} (port 0 picks a free one) on the given event loops. */
    public static DemoBackend start(EventLoopGroup group, Class<? extends io.netty.channel.ServerChannel> channelType,
                                    String name, String host, int port, Duration delay) throws InterruptedException {
        Channel ch = new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                                new HttpObjectAggregator(1024 * 1024), new Handler(name, delay));
                    }
                })
                .bind(host, port).sync().channel();
        return new DemoBackend(name, ch);
    }

    public String name() {
        return name;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final String name;
        private final Duration delay;

        Handler(String name, Duration delay) {
            this.name = name;
            this.delay = delay;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String text = request.uri().startsWith("/healthz") ? "ok\n" : "hello from " + name + "\n";
            ByteBuf body = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                    .set("x-served-by", name);
            HttpUtil.setKeepAlive(response, HttpUtil.isKeepAlive(request));
            Runnable send = () -> {
                var f = ctx.writeAndFlush(response);
                if (!HttpUtil.isKeepAlive(request)) {
                    f.addListener(ChannelFutureListener.CLOSE);
                }
            };
            if (delay.isZero()) {
                send.run();
            } else {
                ctx.executor().schedule(send, delay.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }
}

package io.halb.proxy.http;

import io.halb.balance.Endpoint;
import io.halb.guard.ResponseHeadScanHandler;
import io.halb.proxy.upstream.Upstreams;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of a server connection: hands what the server sends to the exchange that owns
 * the connection, and watches the connection while it waits idle in the pool (a close removes it;
 * unasked bytes close it, as a server must not speak first).
 *
 * <p>Thread-safety: confined to the connection's event loop.
 */
final class HttpBackendHandler extends ChannelInboundHandlerAdapter {

    private final Endpoint endpoint;
    private final Upstreams upstreams;
    private final ResponseHeadScanHandler scan;
    private final ServerConnectionCodec codec;
    /** The owner, or {@code null} while the connection is idle in the pool. */
    private HttpExchange exchange;

    HttpBackendHandler(Endpoint endpoint, Upstreams upstreams, ResponseHeadScanHandler scan, ServerConnectionCodec codec) {
        this.endpoint = endpoint;
        this.upstreams = upstreams;
        this.scan = scan;
        this.codec = codec;
    }

    /**
     * {@code exchange} owns the connection and is about to send its request: the next bytes from the
     * server are its response (see {@link ServerConnectionCodec#expect}).
     */
    void attach(HttpExchange exchange, boolean head, boolean connect, boolean raw) {
        this.exchange = exchange;
        scan.expectResponse();
        codec.expect(head, connect, raw);
    }

    /** The request about to be written is bytes (see {@link ServerConnectionCodec#startRawRequest}). */
    void startRawRequest() {
        codec.startRawRequest();
    }

    void detach() {
        this.exchange = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        HttpExchange ex = exchange;
        if (ex == null) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        ex.onResponse(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        HttpExchange ex = exchange;
        if (ex != null) {
            ex.onUpstreamReadComplete();
        } else if (ctx.channel().isActive()) {
            ctx.read();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        HttpExchange ex = exchange;
        if (ex != null) {
            ex.onUpstreamWritable();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        HttpExchange ex = exchange;
        if (ex != null) {
            ex.onUpstreamFailure(null);
        } else {
            upstreams.pool(ctx.channel().eventLoop()).remove(endpoint, ctx.channel());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        HttpExchange ex = exchange;
        if (ex != null) {
            ex.onUpstreamFailure(cause);
        }
        ctx.close();
    }
}

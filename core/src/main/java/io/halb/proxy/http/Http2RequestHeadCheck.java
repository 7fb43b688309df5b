package io.halb.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses, before conversion to HTTP/1.1, a request whose head lacks a pseudo-header RFC 9113
 * §8.3.1 requires ({@code :method}; {@code :scheme} and {@code :path} unless CONNECT): the stream
 * is reset with PROTOCOL_ERROR. Netty's HPACK decoder checks the pseudo-headers it is given, not the
 * ones missing. Only the first HEADERS frame is a request head; trailers pass (a flag rather than
 * leaving the pipeline: a pipeline change per stream costs more than a branch).
 *
 * <p>Thread-safety: confined to the stream channel's event loop.
 */
final class Http2RequestHeadCheck extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(Http2RequestHeadCheck.class);

    private boolean headSeen;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (headSeen || !(msg instanceof Http2HeadersFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        headSeen = true;
        String missing = missing(frame.headers());
        if (missing == null) {
            ctx.fireChannelRead(msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        log.debug("client {}: HTTP/2 request without {}: stream reset", ctx.channel().remoteAddress(), missing);
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR));
        ctx.close();
    }

    private static String missing(Http2Headers h) {
        if (h.method() == null) {
            return ":method";
        }
        if (HttpMethod.CONNECT.asciiName().contentEquals(h.method())) {
            return h.authority() == null ? ":authority" : null;
        }
        if (h.scheme() == null) {
            return ":scheme";
        }
        return h.path() == null || h.path().length() == 0 ? ":path" : null;
    }
}

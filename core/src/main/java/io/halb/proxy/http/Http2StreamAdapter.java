package io.halb.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.CodecException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2ResetFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Makes an HTTP/2 stream, as Netty's {@code Http2StreamFrameToHttpObjectCodec} presents it, look to
 * the HTTP/1.1 proxy like the one request of an HTTP/1.1 connection, and the other way round:
 * <ul>
 *   <li>a request that ended with its HEADERS frame arrives as a head and then its (empty) end, as
 *       the HTTP/1.1 decoder delivers it, never as one {@link FullHttpRequest};</li>
 *   <li>the codec's {@code x-http2-*} bookkeeping headers (stream id, scheme) stay here: they are
 *       not the client's and must not reach servers;</li>
 *   <li>a relayed {@code 1xx} head becomes the full response the codec requires, and its empty end
 *       is dropped;</li>
 *   <li>the empty buffer the proxy writes before closing a client connection completes only once
 *       the response's last frame is written, so that closing the stream (which resets it when the
 *       client has not finished its request) never cuts a response short;</li>
 *   <li>a request that cannot be converted resets the stream with PROTOCOL_ERROR, as RFC 9113
 *       §8.1.1 asks of a malformed request;</li>
 *   <li>a RST_STREAM from the client closes the stream at once, read or not.</li>
 * </ul>
 *
 * <p>Thread-safety: confined to the stream channel's event loop.
 */
final class Http2StreamAdapter extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(Http2StreamAdapter.class);
    private static final String CODEC_HEADER_PREFIX = "x-http2-";

    /** The last response write, while it may still be queued behind the stream's flow control. */
    private ChannelFuture lastWrite;
    private boolean droppingInformationalEnd;

    // ---- inbound ---------------------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest full) {
            HttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
            head.setDecoderResult(full.decoderResult());
            stripCodecHeaders(head.headers());
            // The content's reference moves to the last part; full itself is not released.
            LastHttpContent end = new DefaultLastHttpContent(full.content());
            end.trailingHeaders().set(full.trailingHeaders());
            ctx.fireChannelRead(head);
            ctx.fireChannelRead(end);
            return;
        }
        if (msg instanceof HttpRequest head) {
            stripCodecHeaders(head.headers());
        } else if (msg instanceof LastHttpContent last) {
            stripCodecHeaders(last.trailingHeaders());
        }
        ctx.fireChannelRead(msg);
    }

    private static void stripCodecHeaders(HttpHeaders headers) {
        List<String> codec = null;
        for (String name : headers.names()) {
            if (name.regionMatches(true, 0, CODEC_HEADER_PREFIX, 0, CODEC_HEADER_PREFIX.length())) {
                if (codec == null) {
                    codec = new ArrayList<>(2);
                }
                codec.add(name);
            }
        }
        if (codec != null) {
            codec.forEach(headers::remove);
        }
    }

    /**
     * The client reset the stream: the exchange ends now (its server connection is closed), also
     * when the stream is not being read. The stream's state turns CLOSED right after this event, so
     * closing a moment later sends no RST_STREAM back (RFC 9113 §5.4.2) and drops what the client
     * had sent but the proxy had not read yet.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame) {
            ctx.executor().execute(() -> ctx.close());
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CodecException || cause instanceof Http2Exception) {
            log.debug("client {}: malformed HTTP/2 stream: {}", ctx.channel().remoteAddress(), cause.toString());
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR));
                ctx.close();
            }
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    // ---- outbound --------------------------------------------------------------------------------

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse res && !(res instanceof FullHttpResponse)
                && res.status().codeClass() == HttpStatusClass.INFORMATIONAL && res.status().code() != 101) {
            FullHttpResponse full = new DefaultFullHttpResponse(res.protocolVersion(), res.status(),
                    Unpooled.EMPTY_BUFFER, res.headers(), HttpHeaders.EMPTY_HEADERS);
            droppingInformationalEnd = true;
            ctx.write(full, promise);
            return;
        }
        if (droppingInformationalEnd && msg instanceof HttpContent content) {
            droppingInformationalEnd = !(content instanceof LastHttpContent);
            content.release();
            promise.trySuccess();
            return;
        }
        if (msg instanceof LastHttpContent) {
            ChannelPromise tracked = promise.unvoid();
            lastWrite = tracked;
            ctx.write(msg, tracked);
            return;
        }
        if (msg instanceof ByteBuf buf && !buf.isReadable()) {
            buf.release();
            ChannelFuture last = lastWrite;
            if (last == null || last.isDone()) {
                promise.trySuccess();
            } else {
                last.addListener(f -> promise.trySuccess());
            }
            return;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        lastWrite = null;
        ctx.fireChannelInactive();
    }
}

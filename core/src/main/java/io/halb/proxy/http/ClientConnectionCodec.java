package io.halb.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpHeaderNames;

/**
 * The HTTP/1.1 codec of a client connection: {@link RequestDecoder} in, and out a response encoder
 * that also lets a response pass as bytes ({@link #startRawResponse}), relayed from a server
 * without decoding (see {@link RawResponseHead}).
 *
 * <p>Netty's server codec keeps a queue of the methods of decoded requests to frame each response
 * (HEAD, CONNECT); a response that bypassed it would shift that queue. halb answers one request at a
 * time, so the frontend tells this codec which request the next response answers
 * ({@link #responding}) instead.
 *
 * <p>Thread-safety: one per client connection, confined to its event loop.
 */
final class ClientConnectionCodec extends CombinedChannelDuplexHandler<RequestDecoder, ClientConnectionCodec.Encoder> {

    ClientConnectionCodec(HttpDecoderConfig config) {
        super(new RequestDecoder(config), new Encoder());
    }

    /** The responses written from now on answer a request with {@code method}. */
    void responding(HttpMethod method) {
        outboundHandler().method = method;
    }

    /**
     * The buffers written from now on, until the next response object, are a whole response as
     * bytes (head included): they pass unencoded.
     */
    void startRawResponse() {
        outboundHandler().passage.open();
    }

    static final class Encoder extends HttpResponseEncoder {
        private HttpMethod method;
        private final RawPassage passage = new RawPassage();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (!passage.pass(ctx, msg, promise)) {
                super.write(ctx, msg, promise);
            }
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            int code = msg.status().code();
            if (code >= 100 && code < 200) {
                return super.isContentAlwaysEmpty(msg);
            }
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }

        @Override
        protected void sanitizeHeadersBeforeEncode(HttpResponse msg, boolean isAlwaysEmpty) {
            if (!isAlwaysEmpty && HttpMethod.CONNECT.equals(method) && msg.status().code() / 100 == 2) {
                // A tunnel opened: no framing for what follows (RFC 9110 §9.3.6).
                msg.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
                return;
            }
            super.sanitizeHeadersBeforeEncode(msg, isAlwaysEmpty);
        }
    }
}

package io.halb.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequestEncoder;

/**
 * The HTTP/1.1 codec of a server connection: {@link ResponseDecoder} in, and out a request encoder
 * that also lets a request pass as bytes ({@link #startRawRequest}, see {@link RawRequestHead}).
 * Unlike Netty's client codec it keeps no queue of request methods: the exchange tells the decoder
 * about each request ({@link #expect}), so a response relayed as bytes leaves nothing behind.
 *
 * <p>Thread-safety: one per server connection, confined to its event loop.
 */
final class ServerConnectionCodec extends CombinedChannelDuplexHandler<ResponseDecoder, ServerConnectionCodec.Encoder> {

    ServerConnectionCodec(HttpDecoderConfig config) {
        super(new ResponseDecoder(config), new Encoder());
    }

    /** See {@link ResponseDecoder#expect}. */
    void expect(boolean head, boolean connect, boolean raw) {
        inboundHandler().expect(head, connect, raw);
    }

    /**
     * The buffers written from now on, until the next request object, are a whole request as bytes
     * (head included): they pass unencoded.
     */
    void startRawRequest() {
        outboundHandler().raw = true;
    }

    static final class Encoder extends HttpRequestEncoder {
        private boolean raw;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (raw) {
                if (msg instanceof ByteBuf) {
                    ctx.write(msg, promise);
                    return;
                }
                if (msg instanceof HttpObject) {
                    raw = false;
                }
            }
            super.write(ctx, msg, promise);
        }
    }
}

package io.halb.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
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
        outboundHandler().passage.open();
    }

    static final class Encoder extends HttpRequestEncoder {
        private final RawPassage passage = new RawPassage();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (!passage.pass(ctx, msg, promise)) {
                super.write(ctx, msg, promise);
            }
        }
    }
}

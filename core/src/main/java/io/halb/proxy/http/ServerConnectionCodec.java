package io.halb.proxy.http;

import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestEncoder;

/**
 * The HTTP/1.1 codec of a server connection: {@link ResponseDecoder} in, Netty's request encoder
 * out. Unlike Netty's client codec it keeps no queue of request methods: the exchange tells the
 * decoder about each request ({@link #expect}), so a response relayed as bytes leaves nothing
 * behind.
 *
 * <p>Thread-safety: one per server connection, confined to its event loop.
 */
final class ServerConnectionCodec extends CombinedChannelDuplexHandler<ResponseDecoder, HttpRequestEncoder> {

    ServerConnectionCodec(HttpDecoderConfig config) {
        super(new ResponseDecoder(config), new HttpRequestEncoder());
    }

    /** See {@link ResponseDecoder#expect}. */
    void expect(boolean head, boolean connect, boolean raw) {
        inboundHandler().expect(head, connect, raw);
    }
}

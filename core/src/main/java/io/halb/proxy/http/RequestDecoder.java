package io.halb.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.List;

/**
 * The request decoder of an HTTP/1.1 client connection. A plain request head (see
 * {@link RawRequestHead}: no body, nothing to refuse) goes on as a {@link RawRequestHead}, which is
 * the whole request; any other is decoded by Netty's decoder into an {@link HttpRequest} and its
 * content, up to the {@link LastHttpContent}, after which the next head is tried again.
 *
 * <p>Thread-safety: one per client connection, confined to its event loop.
 */
final class RequestDecoder extends HttpRequestDecoder {

    private final int maxLine;
    private final int maxFields;
    /** Netty's decoder is inside a message: everything goes to it until the message ends. */
    private boolean decoding;

    RequestDecoder(HttpDecoderConfig config) {
        super(config);
        // Well inside the decoder's limits: a head near them is the decoder's to judge.
        this.maxLine = config.getMaxInitialLineLength() / 2;
        this.maxFields = config.getMaxHeaderSize() / 2;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (!decoding) {
            Object parsed = RawRequestHead.parse(in, maxLine, maxFields);
            if (parsed == RawRequestHead.INCOMPLETE) {
                return;
            }
            if (parsed != RawRequestHead.DECODE) {
                out.add(parsed);
                return;
            }
            decoding = true;
        }
        int before = out.size();
        super.decode(ctx, in, out);
        for (int i = before; i < out.size(); i++) {
            Object msg = out.get(i);
            if (msg instanceof LastHttpContent last && last.decoderResult().isSuccess()) {
                // The message ended. After a failed one Netty's decoder drops the rest, and so does
                // this one: the frontend answers 400 and closes.
                decoding = false;
            }
        }
    }
}

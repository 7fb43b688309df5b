package io.halb.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpObject;

/**
 * The way past an HTTP/1.1 encoder for a whole message written as bytes (a head relayed as the
 * peer sent it, see {@link RawRequestHead} and {@link RawResponseHead}): once {@link #open opened},
 * buffers pass unencoded until the next message object, which closes it and goes to the encoder.
 *
 * <p>Thread-safety: one per encoder, confined to its channel's event loop.
 */
final class RawPassage {

    private boolean open;

    /** The buffers written from now on, until the next message object, are a whole message as bytes. */
    void open() {
        open = true;
    }

    /** Writes {@code msg} past the encoder if it is part of a message written as bytes; else false. */
    boolean pass(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (open) {
            if (msg instanceof ByteBuf) {
                ctx.write(msg, promise);
                return true;
            }
            if (msg instanceof HttpObject) {
                open = false;
            }
        }
        return false;
    }
}

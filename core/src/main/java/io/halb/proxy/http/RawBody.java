package io.halb.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * A piece of the body of a response relayed as bytes (after a {@link RawResponseHead} that was not
 * {@linkplain RawResponseHead#complete() complete}): exactly the server's bytes, framing included.
 *
 * <p>Thread-safety: made and consumed on one server connection's event loop.
 */
final class RawBody extends DefaultByteBufHolder {

    private final boolean last;

    RawBody(ByteBuf bytes, boolean last) {
        super(bytes);
        this.last = last;
    }

    /** The response ends with this piece. */
    boolean last() {
        return last;
    }

    @Override
    public RawBody replace(ByteBuf content) {
        return new RawBody(content, last);
    }
}

package io.halb.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.ArrayList;
import java.util.List;

/**
 * The request body sent so far, kept while it fits a limit so the request can be sent again to
 * another server. Holds retained duplicates of the pieces, which share the bytes with what was
 * forwarded: keeping a body costs references, not copies.
 *
 * <p>Thread-safety: confined to the exchange's event loop.
 */
final class ReplayBuffer {

    private final int limit;
    /** Retained duplicates; released by {@link #release()}. */
    private List<HttpContent> pieces;
    private int bytes;
    private boolean overflowed;
    /** Kept: the shared empty end of a body-less request (no list for it, it needs no release). */
    private boolean emptyEnd;
    /** A whole request as bytes (a plain head for the server, see {@link RawRequestHead}); owned. */
    private ByteBuf head;

    ReplayBuffer(int limit) {
        this.limit = limit;
    }

    /** Keeps a piece about to be forwarded; past the limit, lets go of everything for good. */
    void keep(HttpContent content) {
        if (overflowed) {
            return;
        }
        int size = content.content().readableBytes();
        if (bytes + size > limit) {
            overflowed = true;
            release();
            return;
        }
        if (content == LastHttpContent.EMPTY_LAST_CONTENT && pieces == null) {
            // A body-less request (most GETs): remember the end without a list.
            emptyEnd = true;
            return;
        }
        if (pieces == null) {
            pieces = new ArrayList<>(2);
            if (emptyEnd) {
                pieces.add(LastHttpContent.EMPTY_LAST_CONTENT);
                emptyEnd = false;
            }
        }
        pieces.add(content.retainedDuplicate());
        bytes += size;
    }

    /** Keeps a whole request as bytes, written before anything else; this buffer owns {@code bytes} now. */
    void keepHead(ByteBuf bytes) {
        head = bytes;
    }

    /** The request kept as bytes, or {@code null} (none, or let go). */
    ByteBuf head() {
        return head;
    }

    /** Whether everything sent so far is kept, so the request can be sent again. */
    boolean complete() {
        return !overflowed;
    }

    /** Writes what is kept to {@code channel}, without flushing; the buffer keeps its own references. */
    void writeTo(Channel channel) {
        if (head != null) {
            channel.write(head.retainedDuplicate(), channel.voidPromise());
        }
        if (emptyEnd) {
            channel.write(LastHttpContent.EMPTY_LAST_CONTENT, channel.voidPromise());
        }
        if (pieces != null) {
            for (HttpContent c : pieces) {
                // The encoder releases this duplicate once written.
                channel.write(c.retainedDuplicate(), channel.voidPromise());
            }
        }
    }

    /** Lets go of the kept pieces (the response started, or the exchange ended). Idempotent. */
    void release() {
        emptyEnd = false;
        if (head != null) {
            head.release();
            head = null;
        }
        if (pieces != null) {
            for (HttpContent c : pieces) {
                c.release();
            }
            pieces = null;
        }
    }
}

package io.halb.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;

import java.util.List;

/**
 * The response decoder of a server connection. halb sends one request at a time, and the exchange
 * tells this decoder about each before it goes out ({@link #expect}): whether it was HEAD or
 * CONNECT (which frame the response differently) and whether its response may be relayed as bytes.
 *
 * <p>When it may, a plain response head (see {@link RawResponseHead}) is not decoded: it goes on as
 * a {@link RawResponseHead} and its body as {@link RawBody} pieces counted off its Content-Length.
 * Any other head, and every head when relaying is off, is decoded by Netty's decoder into
 * {@link HttpResponse} and content as before.
 *
 * <p>Thread-safety: one per server connection, confined to its event loop.
 */
final class ResponseDecoder extends HttpResponseDecoder {

    private static final int IDLE = 0, RAW_HEAD = 1, RAW_BODY = 2, DECODING = 3;

    private final int maxHead;
    private int state = IDLE;
    private boolean headRequest;
    private boolean connectRequest;
    private boolean raw;
    private long bodyLeft;

    ResponseDecoder(HttpDecoderConfig config) {
        super(config);
        // Well inside the decoder's limits: a head near them is the decoder's to judge.
        this.maxHead = config.getMaxHeaderSize() / 2;
    }

    /**
     * The next bytes are the response to a request about to be written.
     *
     * @param head the request is HEAD
     * @param connect the request is CONNECT
     * @param raw its response may be relayed as bytes (an HTTP/1.1 client connection)
     */
    void expect(boolean head, boolean connect, boolean raw) {
        this.headRequest = head;
        this.connectRequest = connect;
        this.raw = raw;
        this.state = raw ? RAW_HEAD : DECODING;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (state == RAW_HEAD) {
            Object parsed = RawResponseHead.parse(in, headRequest, maxHead);
            if (parsed == RawResponseHead.INCOMPLETE) {
                return;
            }
            if (parsed == RawResponseHead.DECODE) {
                state = DECODING;
            } else {
                RawResponseHead head = (RawResponseHead) parsed;
                out.add(head);
                if (head.complete()) {
                    state = IDLE;
                    return;
                }
                state = RAW_BODY;
                bodyLeft = head.bodyLength();
            }
        }
        if (state == RAW_BODY) {
            int n = (int) Math.min(bodyLeft, in.readableBytes());
            if (n > 0) {
                bodyLeft -= n;
                boolean last = bodyLeft == 0;
                if (last) {
                    state = IDLE;
                }
                out.add(new RawBody(in.readRetainedSlice(n), last));
            }
            return;
        }
        if (state == IDLE) {
            // Bytes after a relayed response and before the next request: the server spoke out of
            // turn, and its connection can no longer be trusted to frame a response.
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        super.decode(ctx, in, out);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
        if (msg instanceof HttpResponse response) {
            int code = response.status().code();
            if (code >= 100 && code < 200) {
                return super.isContentAlwaysEmpty(msg);
            }
            if (headRequest || (connectRequest && code >= 200 && code < 300)) {
                return true;
            }
        }
        return super.isContentAlwaysEmpty(msg);
    }
}

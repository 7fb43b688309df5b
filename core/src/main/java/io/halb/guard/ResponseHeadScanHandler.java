package io.halb.guard;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * A byte scanner in front of the response decoder of a server connection that refuses, in a
 * response head, what the decoder would forgive (RFC 9112 §5.2, §5.1): obsolete line folding, which
 * Netty joins into one value, and whitespace between a field name and its colon. A server that
 * sends either is answered to the client as {@code 502}, the same treatment a malformed request gets
 * ({@code 400}): halb and a downstream cache must never disagree on a response's headers.
 *
 * <p>It scans heads only: the exchange {@linkplain #expectResponse() arms} it before each request
 * (halb never pipelines to a server, so the next bytes are a response head), and it goes quiet
 * after the final head's empty line, letting the body pass in bulk; an interim (1xx but 101) head is
 * followed by another head.
 *
 * <p>On a violation the buffer is dropped, and in place of the response a response whose decoder
 * result is a failure naming the reason goes on (the decoder passes non-buffers along), so the
 * exchange answers 502 and closes the connection; everything after is dropped.
 *
 * <p>Thread-safety: one instance per server connection, confined to its event loop.
 */
public final class ResponseHeadScanHandler extends ChannelInboundHandlerAdapter implements ByteProcessor {

    private static final int IDLE = 0, STATUS = 1, LINE_START = 2, NAME = 3, VALUE = 4, END_LF = 5, FAILED = 6;

    private int state = IDLE;
    private int spaces;
    private int statusDigits;
    private int status;
    /** What {@link #process} refused in the pass under way, or null. */
    private String violation;

    /** A request is about to go out: the next bytes from the server are a response head. */
    public void expectResponse() {
        if (state != FAILED) {
            startHead();
        }
    }

    private void startHead() {
        state = STATUS;
        spaces = 0;
        statusDigits = 0;
        status = 0;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == FAILED) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        if (state == IDLE || !(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String reason = scan(buf);
        if (reason == null) {
            ctx.fireChannelRead(buf);
            return;
        }
        buf.release();
        state = FAILED;
        DefaultHttpResponse refused = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY);
        refused.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(reason)));
        ctx.fireChannelRead(refused);
    }

    /** Scans the head bytes of {@code buf}; the reason of a violation, or null. */
    private String scan(ByteBuf buf) {
        // One pass over the buffer's memory (forEachByte checks the buffer once, not per byte).
        violation = null;
        buf.forEachByte(buf.readerIndex(), buf.readableBytes(), this);
        return violation;
    }

    /** One byte of a head; false stops the pass (the head ended, or it is refused). */
    @Override
    public boolean process(byte b) {
        switch (state) {
            case STATUS -> {
                if (b == '\n') {
                    state = LINE_START;
                } else if (b == ' ') {
                    spaces++;
                } else if (spaces == 1 && statusDigits < 3 && b >= '0' && b <= '9') {
                    status = status * 10 + (b - '0');
                    statusDigits++;
                }
            }
            case LINE_START -> {
                if (b == ' ' || b == '\t') {
                    violation = "obsolete line folding in the response head";
                    return false;
                } else if (b == '\r') {
                    state = END_LF;
                } else if (b == '\n') {
                    endOfHead();
                } else {
                    state = b == ':' ? VALUE : NAME;
                }
            }
            case NAME -> {
                if (b == ':') {
                    state = VALUE;
                } else if (b == ' ' || b == '\t') {
                    violation = "whitespace between a header name and the colon in the response head";
                    return false;
                } else if (b == '\n') {
                    state = LINE_START; // a line without a colon: the decoder judges it
                }
            }
            case VALUE -> {
                if (b == '\n') {
                    state = LINE_START;
                }
            }
            case END_LF -> {
                if (b == '\n') {
                    endOfHead();
                } else {
                    state = NAME; // a bare CR: the decoder judges it
                }
            }
            default -> throw new IllegalStateException("state " + state);
        }
        return state != IDLE;
    }

    private void endOfHead() {
        if (status >= 100 && status < 200 && status != 101) {
            startHead(); // an interim response: the final head follows
        } else {
            state = IDLE;
        }
    }
}

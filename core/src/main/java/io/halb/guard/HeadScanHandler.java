package io.halb.guard;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A byte scanner in front of the HTTP/1.1 request decoder that refuses what decoding would hide or
 * forgive (RFC 9112): obsolete line folding (Netty joins the lines), whitespace before a colon,
 * a CR or LF alone, NUL and other control characters in the request line or a field, a request
 * line other than {@code method SP target SP version}, and malformed chunked framing.
 *
 * <p>How it knows where a head ends: it follows the message framing itself, the same way the
 * decoder does. A head ends at its empty line; the body that follows is a Content-Length of bytes,
 * or chunks up to the last chunk and its trailer section, or nothing. Content-Length and
 * Transfer-Encoding are read from the raw head while it is scanned. Where that reading could
 * differ from the decoder's (an invalid Content-Length, both headers), the decoder refuses the head
 * anyway and the connection closes, so the scanner simply stops scanning. Body bytes are skipped in
 * bulk; only head, chunk-size and trailer lines are looked at byte by byte, with lookup tables.
 *
 * <p>What it does on a violation: each received buffer is scanned whole before any of it goes on.
 * The messages before the faulty one go on; instead of the faulty one, a request whose decoder
 * result is a failure naming the reason goes on (through the decoder, which passes non-buffers
 * along), so the frontend answers 400 in order and closes. A request whose body error arrives in
 * the same read as its head therefore never reaches a server; one whose head already went on ends
 * with a failed last content (the frontend then answers 400 and drops the server connection).
 * After a violation everything further is dropped.
 *
 * <p>Thread-safety: one instance per connection, confined to its event loop.
 */
public final class HeadScanHandler extends ChannelInboundHandlerAdapter {

    private static final boolean[] TCHAR = new boolean[256];
    private static final byte[] HEX = new byte[256];

    static {
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        Arrays.fill(HEX, (byte) -1);
        for (int c = 0; c < 10; c++) {
            HEX['0' + c] = (byte) c;
        }
        for (int c = 0; c < 6; c++) {
            HEX['a' + c] = (byte) (10 + c);
            HEX['A' + c] = (byte) (10 + c);
        }
    }

    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(StandardCharsets.US_ASCII);
    private static final long MAX_CHUNK_SIZE = Integer.MAX_VALUE;

    // States of the scanner; LEADING is "between messages".
    private static final int LEADING = 0, LEADING_LF = 1, REQUEST_LINE = 2, REQUEST_LINE_LF = 3,
            LINE_START = 4, NAME = 5, VALUE = 6, VALUE_LF = 7, END_LF = 8,
            FIXED = 9, CHUNK_SIZE = 10, CHUNK_BWS = 11, CHUNK_EXT = 12, CHUNK_SIZE_LF = 13,
            CHUNK_DATA = 14, CHUNK_DATA_CR = 15, CHUNK_DATA_LF = 16, PASS = 17, FAILED = 18;

    // Event-loop confined scan state.
    private int state = LEADING;
    private boolean trailer;
    private int parts;
    private int partLength;
    private int nameLength;
    private boolean maybeContentLength;
    private boolean maybeTransferEncoding;
    private boolean inContentLength;
    private boolean contentLengthDigits;
    private boolean contentLengthDone;
    private boolean contentLengthInvalid;
    private boolean sawContentLength;
    private boolean sawTransferEncoding;
    private long contentLength;
    private long remaining;
    private int chunkDigits;

    /** Whether {@code s} is a non-empty RFC 9110 token. */
    static boolean isToken(CharSequence s) {
        if (s.length() == 0) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 255 || !TCHAR[c]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether bytes of a message that has not ended have arrived: a request head has begun. The
     * frontend bounds the rest of that head by {@code timeouts.header_read}, not the idle timeout.
     */
    public boolean inMessage() {
        return state != LEADING && state != PASS && state != FAILED;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (state == PASS) {
            ctx.fireChannelRead(buf);
            return;
        }
        if (state == FAILED) {
            buf.release();
            return;
        }
        int start = buf.readerIndex();
        int end = buf.writerIndex();
        int messageStart = state == LEADING ? start : -1;
        String reason = null;
        int i = start;
        while (i < end && reason == null && state != PASS) {
            switch (state) {
                case FIXED -> {
                    int n = (int) Math.min(remaining, end - i);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = LEADING;
                        messageStart = i;
                    }
                    continue;
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, end - i);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = CHUNK_DATA_CR;
                    }
                    continue;
                }
                default -> {
                    int before = state;
                    reason = step(buf.getByte(i) & 0xff);
                    i++;
                    if (reason == null && state == LEADING && before == END_LF) {
                        // A message without a body, or a trailer section, ended: the next starts here.
                        messageStart = i;
                    }
                }
            }
        }
        if (reason == null) {
            ctx.fireChannelRead(buf);
            return;
        }
        boolean inHead = state <= END_LF && !trailer;
        if (messageStart >= 0) {
            forward(ctx, buf, start, messageStart);
            ctx.fireChannelRead(failedRequest(reason));
        } else if (inHead) {
            ctx.fireChannelRead(failedRequest(reason));
        } else {
            forward(ctx, buf, start, i - 1);
            DefaultLastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
            last.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(reason)));
            ctx.fireChannelRead(last);
        }
        state = FAILED;
        buf.release();
    }

    private static void forward(ChannelHandlerContext ctx, ByteBuf buf, int from, int to) {
        if (to > from) {
            ctx.fireChannelRead(buf.retainedSlice(from, to - from));
        }
    }

    private static DefaultHttpRequest failedRequest(String reason) {
        DefaultHttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/bad-request");
        request.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(reason)));
        return request;
    }

    /** One byte of a head, chunk-size or trailer line; returns a reason on a violation. */
    private String step(int b) {
        switch (state) {
            case LEADING:
                if (b == '\r') {
                    state = LEADING_LF;
                    return null;
                }
                startMessage();
                state = REQUEST_LINE;
                return requestLine(b);
            case LEADING_LF:
                return expectLf(b, LEADING);
            case REQUEST_LINE:
                return requestLine(b);
            case REQUEST_LINE_LF:
                return expectLf(b, LINE_START);
            case LINE_START:
                if (b == '\r') {
                    state = END_LF;
                    return null;
                }
                if (b == ' ' || b == '\t') {
                    return "obsolete line folding in a header field";
                }
                if (!TCHAR[b]) {
                    return b == ':' ? "empty header field name" : "invalid character in a header field name";
                }
                nameLength = 0;
                maybeContentLength = !trailer;
                maybeTransferEncoding = !trailer;
                state = NAME;
                return name(b);
            case NAME:
                return name(b);
            case VALUE:
                return value(b);
            case VALUE_LF:
                if (b != '\n') {
                    return "CR without LF in a header field";
                }
                if (inContentLength) {
                    inContentLength = false;
                    if (!contentLengthDigits) {
                        contentLengthInvalid = true;
                    }
                }
                state = LINE_START;
                return null;
            case END_LF:
                if (b != '\n') {
                    return "CR without LF after the header section";
                }
                return endOfSection();
            case CHUNK_SIZE:
                return chunkSize(b);
            case CHUNK_BWS:
                if (b == ' ' || b == '\t') {
                    return null;
                }
                if (b == ';') {
                    state = CHUNK_EXT;
                    return null;
                }
                return "invalid chunk size";
            case CHUNK_EXT:
                if (b == '\r') {
                    state = CHUNK_SIZE_LF;
                    return null;
                }
                return b == '\t' || (b >= 0x20 && b != 0x7f) ? null : "invalid chunk extension";
            case CHUNK_SIZE_LF:
                if (b != '\n') {
                    return "CR without LF after a chunk size";
                }
                if (remaining == 0) {
                    trailer = true;
                    state = LINE_START;
                } else {
                    state = CHUNK_DATA;
                }
                return null;
            case CHUNK_DATA_CR:
                if (b != '\r') {
                    return "chunk data not followed by CRLF";
                }
                state = CHUNK_DATA_LF;
                return null;
            case CHUNK_DATA_LF:
                if (b != '\n') {
                    return "chunk data not followed by CRLF";
                }
                startChunk();
                return null;
            default:
                throw new IllegalStateException("state " + state);
        }
    }

    private String expectLf(int b, int next) {
        if (b != '\n') {
            return "CR without LF in the request head";
        }
        state = next;
        return null;
    }

    private void startMessage() {
        trailer = false;
        parts = 0;
        partLength = 0;
        inContentLength = false;
        contentLengthDone = false;
        contentLengthInvalid = false;
        sawContentLength = false;
        sawTransferEncoding = false;
        contentLength = 0;
    }

    private void startChunk() {
        remaining = 0;
        chunkDigits = 0;
        state = CHUNK_SIZE;
    }

    private String requestLine(int b) {
        if (b == '\r') {
            if (parts != 2 || partLength == 0) {
                return "invalid request line";
            }
            state = REQUEST_LINE_LF;
            return null;
        }
        if (b == ' ') {
            if (partLength == 0 || parts == 2) {
                return "invalid request line: stray space";
            }
            parts++;
            partLength = 0;
            return null;
        }
        if (b == '\n') {
            return "LF without CR in the request line";
        }
        if (b < 0x21 || b == 0x7f) {
            return "control character in the request line";
        }
        if (parts == 0 && !TCHAR[b]) {
            return "invalid character in the method";
        }
        partLength++;
        return null;
    }

    private String name(int b) {
        if (b == ':') {
            if (maybeContentLength && nameLength == CONTENT_LENGTH.length) {
                if (sawContentLength) {
                    contentLengthInvalid = true;
                }
                sawContentLength = true;
                inContentLength = true;
                contentLengthDigits = false;
                contentLengthDone = false;
                contentLength = 0;
            } else if (maybeTransferEncoding && nameLength == TRANSFER_ENCODING.length) {
                sawTransferEncoding = true;
            }
            state = VALUE;
            return null;
        }
        if (b == ' ' || b == '\t') {
            return "whitespace between a header field name and the colon";
        }
        if (!TCHAR[b]) {
            return b == '\r' || b == '\n' ? "header field without a colon" : "invalid character in a header field name";
        }
        int lower = b | 0x20;
        maybeContentLength &= nameLength < CONTENT_LENGTH.length && CONTENT_LENGTH[nameLength] == lower;
        maybeTransferEncoding &= nameLength < TRANSFER_ENCODING.length && TRANSFER_ENCODING[nameLength] == lower;
        nameLength++;
        return null;
    }

    private String value(int b) {
        if (b == '\r') {
            state = VALUE_LF;
            return null;
        }
        if (b != '\t' && (b < 0x20 || b == 0x7f)) {
            return b == '\n' ? "LF without CR in a header field" : "control character in a header field value";
        }
        if (inContentLength) {
            if (b >= '0' && b <= '9' && !contentLengthDone) {
                contentLengthDigits = true;
                contentLength = contentLength * 10 + (b - '0');
                if (contentLength > 1L << 52) {
                    contentLengthInvalid = true;
                }
            } else if (b == ' ' || b == '\t') {
                contentLengthDone = contentLengthDigits;
            } else {
                contentLengthInvalid = true;
            }
        }
        return null;
    }

    /** The empty line that ends a head or a trailer section. */
    private String endOfSection() {
        if (trailer) {
            state = LEADING;
            return null;
        }
        if (sawTransferEncoding) {
            if (sawContentLength) {
                // The decoder refuses this head; nothing after it is read.
                state = PASS;
            } else {
                startChunk();
            }
            return null;
        }
        if (contentLengthInvalid) {
            state = PASS;
            return null;
        }
        if (contentLength > 0) {
            remaining = contentLength;
            state = FIXED;
        } else {
            state = LEADING;
        }
        return null;
    }

    private String chunkSize(int b) {
        int d = HEX[b];
        if (d >= 0) {
            remaining = remaining * 16 + d;
            chunkDigits++;
            return remaining > MAX_CHUNK_SIZE ? "chunk size too large" : null;
        }
        if (chunkDigits == 0) {
            return b == '\r' ? "empty chunk size" : "invalid chunk size";
        }
        if (b == '\r') {
            state = CHUNK_SIZE_LF;
            return null;
        }
        if (b == ';') {
            state = CHUNK_EXT;
            return null;
        }
        if (b == ' ' || b == '\t') {
            state = CHUNK_BWS;
            return null;
        }
        return "invalid chunk size";
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = FAILED;
        ctx.fireChannelInactive();
    }
}

package io.halb.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.DefaultByteBufHolder;

import java.nio.charset.StandardCharsets;

import static io.halb.proxy.http.HeadBytes.ascii;
import static io.halb.proxy.http.HeadBytes.equalsIgnoreCase;
import static io.halb.proxy.http.HeadBytes.indexOfLf;
import static io.halb.proxy.http.HeadBytes.nameEnd;
import static io.halb.proxy.http.HeadBytes.skipSpaces;
import static io.halb.proxy.http.HeadBytes.trimSpaces;
import static io.halb.proxy.http.HeadBytes.validValue;

/**
 * A server's response head kept as the bytes it arrived in, for relaying to an HTTP/1.1 client
 * without decoding it into header objects and encoding it again (issue 9's profile: that round trip
 * was most of halb's allocation per request). It is made only for the plain case, which
 * {@link #parse} recognizes: {@code HTTP/1.1}, a final status (200-599), a body framed by one
 * Content-Length (or none, after HEAD, 204 or 304), a Connection header of at most
 * {@code keep-alive} or {@code close}, and field names and values that a strict decoder would
 * accept unchanged. Anything else takes the decoding path, which knows every case.
 *
 * <p>What a proxy must change in such a head is line-shaped: the hop-by-hop lines (Connection,
 * Keep-Alive, Proxy-Connection, TE, Trailer, Proxy-Authenticate, Upgrade) are left out, and the
 * persistence cookie and {@code Connection: close} are appended ({@link #toClient}).
 *
 * <p>The bytes are the head (status line to the empty line) and, when the whole response had
 * arrived ({@link #complete()}), its body too, so that a small response leaves as one buffer.
 *
 * <p>Thread-safety: made and consumed on one server connection's event loop; owns its buffer
 * until {@link #toClient} hands it on.
 */
final class RawResponseHead extends DefaultByteBufHolder {

    /** More lines to leave out than this and the head takes the decoding path. */
    private static final int MAX_DROPS = 8;
    /** A body up to this size that arrived with its head is relayed in the head's buffer. */
    static final int MAX_JOINED_BODY = 8192;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] SET_COOKIE = "Set-Cookie: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION_CLOSE = "Connection: close\r\n".getBytes(StandardCharsets.US_ASCII);

    private final int status;
    private final int headLength;
    private final long bodyLength;
    private final boolean serverClose;
    private final boolean complete;
    /** Start and end offsets (relative to the head's first byte) of the lines to leave out. */
    private final int[] drops;
    private final int dropCount;

    private RawResponseHead(ByteBuf bytes, int status, int headLength, long bodyLength, boolean serverClose,
                            boolean complete, int[] drops, int dropCount) {
        super(bytes);
        this.status = status;
        this.headLength = headLength;
        this.bodyLength = bodyLength;
        this.serverClose = serverClose;
        this.complete = complete;
        this.drops = drops;
        this.dropCount = dropCount;
    }

    int status() {
        return status;
    }

    /** The body's length by its framing (0 when it has none). */
    long bodyLength() {
        return bodyLength;
    }

    /** The server said {@code Connection: close}: its connection carries no further request. */
    boolean serverClose() {
        return serverClose;
    }

    /** The bytes hold the whole response, body included: nothing more follows. */
    boolean complete() {
        return complete;
    }

    /**
     * The bytes to send the client: the head without its hop-by-hop lines, with the lines given
     * added, then the body bytes held. Hands this head's buffer on (released here or returned as
     * is); call once.
     *
     * @param setCookie a Set-Cookie value to add, or {@code null}
     * @param close add {@code Connection: close}
     */
    ByteBuf toClient(ByteBufAllocator alloc, String setCookie, boolean close) {
        ByteBuf in = content();
        if (dropCount == 0 && setCookie == null && !close) {
            return in; // the common case of a server that says nothing hop-by-hop: as it came
        }
        int start = in.readerIndex();
        int extra = (setCookie == null ? 0 : SET_COOKIE.length + setCookie.length() + 2) + (close ? CONNECTION_CLOSE.length : 0);
        ByteBuf out = alloc.buffer(in.readableBytes() + extra);
        try {
            int from = 0;
            int endOfFields = headLength - 2; // the empty line's CRLF
            for (int i = 0; i < dropCount; i++) {
                HeadBytes.copy(in, start + from, start + drops[2 * i], out);
                from = drops[2 * i + 1];
            }
            HeadBytes.copy(in, start + from, start + endOfFields, out);
            if (setCookie != null) {
                out.writeBytes(SET_COOKIE).writeCharSequence(setCookie, StandardCharsets.ISO_8859_1);
                out.writeBytes(CRLF);
            }
            if (close) {
                out.writeBytes(CONNECTION_CLOSE);
            }
            HeadBytes.copy(in, start + endOfFields, start + in.readableBytes(), out);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        } finally {
            in.release();
        }
        return out;
    }

    /**
     * Reads a response head at {@code in}'s reader index if the whole head is there and is the plain
     * case (see the class comment).
     *
     * @param head the request was HEAD: no body whatever the head says
     * @param maxHead the most bytes a head may take
     * @return {@link #INCOMPLETE} when more bytes are needed, {@link #DECODE} when the head is not the
     *         plain case (or too long): the decoding path takes it; otherwise the parsed head,
     *         holding a retained slice of {@code in}, whose reader index has moved past what it holds
     */
    static Object parse(ByteBuf in, boolean head, int maxHead) {
        // The head is read from a copy in the event loop's scratch array: one bulk copy instead of a
        // checked buffer access per byte. Most heads fit the first, short copy.
        int readable = in.readableBytes();
        int limit = Math.min(readable, maxHead + 1);
        int copied = Math.min(limit, FIRST_COPY);
        byte[] b = HeadBytes.load(in, in.readerIndex(), copied);
        Object parsed = parse(in, b, copied, readable, head, maxHead);
        if (parsed == INCOMPLETE && copied < limit) {
            in.getBytes(in.readerIndex() + copied, b, copied, limit - copied);
            parsed = parse(in, b, limit, readable, head, maxHead);
        }
        return parsed;
    }

    /** How many bytes the first copy takes: a whole head, usually. */
    private static final int FIRST_COPY = 1024;

    /** {@link #parse} over the first {@code end} bytes of {@code in}, copied into {@code b}. */
    private static Object parse(ByteBuf buf, byte[] in, int end, int readable, boolean head, int maxHead) {
        int start = 0;
        int lineStart = start;
        int status = -1;
        long contentLength = -1;
        boolean serverClose = false;
        int[] drops = null;
        int dropCount = 0;
        while (true) {
            int lf = indexOfLf(in, lineStart, end);
            if (lf < 0) {
                return end - start > maxHead ? DECODE : INCOMPLETE;
            }
            if (lf - start > maxHead || lf == lineStart || in[lf - 1] != '\r') {
                return DECODE; // too long, or a bare LF: the decoder's rules apply
            }
            int lineEnd = lf - 1; // the CR
            if (status < 0) {
                status = statusOf(in, lineStart, lineEnd);
                if (status < 0) {
                    return DECODE;
                }
            } else if (lineEnd == lineStart) {
                // The empty line: the head is whole.
                int headLength = lf + 1 - start;
                long bodyLength;
                if (head || status == 204 || status == 304) {
                    bodyLength = 0;
                } else if (contentLength >= 0) {
                    bodyLength = contentLength;
                } else {
                    return DECODE; // chunked or close-delimited: the decoder frames it
                }
                // A small body that is all here leaves with the head, as one buffer.
                boolean complete = bodyLength <= MAX_JOINED_BODY && readable - headLength >= bodyLength;
                int length = complete ? headLength + (int) bodyLength : headLength;
                ByteBuf bytes = buf.retainedSlice(buf.readerIndex(), length);
                buf.skipBytes(length);
                return new RawResponseHead(bytes, status, headLength, bodyLength, serverClose, complete, drops, dropCount);
            } else {
                int colon = nameEnd(in, lineStart, lineEnd);
                if (colon < 0) {
                    return DECODE;
                }
                int valueStart = skipSpaces(in, colon + 1, lineEnd);
                int valueEnd = trimSpaces(in, valueStart, lineEnd);
                if (!validValue(in, valueStart, valueEnd)) {
                    return DECODE;
                }
                switch (HeadBytes.kindOf(in, lineStart, colon, NAMES, KINDS, OTHER)) {
                    case CONTENT_LENGTH -> {
                        if (contentLength >= 0) {
                            return DECODE; // a second one: the decoder refuses or reconciles it
                        }
                        contentLength = digits(in, valueStart, valueEnd);
                        if (contentLength < 0) {
                            return DECODE;
                        }
                    }
                    case TRANSFER_ENCODING -> {
                        return DECODE;
                    }
                    case CONNECTION -> {
                        if (equalsIgnoreCase(in, valueStart, valueEnd, CLOSE)) {
                            serverClose = true;
                        } else if (!equalsIgnoreCase(in, valueStart, valueEnd, KEEP_ALIVE)) {
                            return DECODE; // names other headers, or upgrade: the full rewrite
                        }
                        if (dropCount == MAX_DROPS) {
                            return DECODE;
                        }
                        drops = addDrop(drops, dropCount++, lineStart - start, lf + 1 - start);
                    }
                    case HOP_BY_HOP -> {
                        if (dropCount == MAX_DROPS) {
                            return DECODE;
                        }
                        drops = addDrop(drops, dropCount++, lineStart - start, lf + 1 - start);
                    }
                    default -> { }
                }
            }
            lineStart = lf + 1;
        }
    }

    /** {@link #parse}: more bytes are needed. */
    static final Object INCOMPLETE = new Object();
    /** {@link #parse}: the head is not the plain case; decode it. */
    static final Object DECODE = new Object();

    private static final int OTHER = 0, CONTENT_LENGTH = 1, TRANSFER_ENCODING = 2, CONNECTION = 3, HOP_BY_HOP = 4;
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");
    private static final byte[][] NAMES = {
            ascii("content-length"), ascii("transfer-encoding"), ascii("connection"),
            ascii("keep-alive"), ascii("proxy-connection"), ascii("te"), ascii("trailer"),
            ascii("proxy-authenticate"), ascii("upgrade")};
    private static final int[] KINDS = {
            CONTENT_LENGTH, TRANSFER_ENCODING, CONNECTION,
            HOP_BY_HOP, HOP_BY_HOP, HOP_BY_HOP, HOP_BY_HOP, HOP_BY_HOP, HOP_BY_HOP};

    /** {@code HTTP/1.1 NNN reason}: the status if final (200-599), else -1. */
    private static int statusOf(byte[] in, int from, int to) {
        if (to - from < 12 || in[from] != 'H' || in[from + 1] != 'T' || in[from + 2] != 'T'
                || in[from + 3] != 'P' || in[from + 4] != '/' || in[from + 5] != '1'
                || in[from + 6] != '.' || in[from + 7] != '1' || in[from + 8] != ' ') {
            return -1;
        }
        int status = 0;
        for (int i = from + 9; i < from + 12; i++) {
            byte b = in[i];
            if (b < '0' || b > '9') {
                return -1;
            }
            status = status * 10 + (b - '0');
        }
        if (status < 200 || status > 599) {
            return -1;
        }
        if (to > from + 12 && in[from + 12] != ' ') {
            return -1;
        }
        for (int i = from + 13; i < to; i++) {
            byte b = in[i];
            if ((b < ' ' && b != '\t') || b == 0x7f) {
                return -1;
            }
        }
        return status;
    }

    private static int[] addDrop(int[] drops, int index, int from, int to) {
        if (drops == null) {
            drops = new int[4];
        } else if (drops.length < 2 * index + 2) {
            drops = java.util.Arrays.copyOf(drops, 2 * MAX_DROPS);
        }
        drops[2 * index] = from;
        drops[2 * index + 1] = to;
        return drops;
    }

    /** A decimal of 1 to 18 digits, or -1. */
    private static long digits(byte[] in, int from, int to) {
        if (to <= from || to - from > 18) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            byte b = in[i];
            if (b < '0' || b > '9') {
                return -1;
            }
            v = v * 10 + (b - '0');
        }
        return v;
    }

    @Override
    public RawResponseHead replace(ByteBuf content) {
        return new RawResponseHead(content, status, headLength, bodyLength, serverClose, complete, drops, dropCount);
    }
}

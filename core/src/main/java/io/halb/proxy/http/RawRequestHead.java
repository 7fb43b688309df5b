package io.halb.proxy.http;

import io.halb.guard.StrictRequests;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ByteProcessor;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A client's request head kept as the bytes it arrived in, for forwarding to a server without
 * decoding it into header objects and encoding it again (issue 9). It is made only for the plain
 * case, which {@link #parse} recognizes and which every check of {@link StrictRequests} passes by
 * construction: {@code HTTP/1.1}, a common method, an origin-form target, exactly one valid Host,
 * no body (no Content-Length but 0, no Transfer-Encoding), no Upgrade or Expect, a Connection
 * header of at most {@code keep-alive} or {@code close}, at most {@link StrictRequests#MAX_HEADERS}
 * fields, names that are tokens and values without control bytes. Anything else takes the
 * decoding path, which knows every case and gives every refusal its reason.
 *
 * <p>What a proxy changes in such a head is line-shaped ({@link #toServer}): the hop-by-hop lines,
 * the client's X-Forwarded-* and Forwarded lines and the listener's client-certificate header are
 * left out, and halb's own are appended, with the same values {@link HeaderRewriter} gives a
 * decoded request.
 *
 * <p>Thread-safety: made and consumed on one client connection's event loop; owns its buffer.
 */
final class RawRequestHead extends DefaultByteBufHolder {

    /** {@link #parse}: more bytes are needed. */
    static final Object INCOMPLETE = new Object();
    /** {@link #parse}: the head is not the plain case; decode it. */
    static final Object DECODE = new Object();

    private static final HttpMethod[] METHODS = {HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.PUT,
            HttpMethod.DELETE, HttpMethod.OPTIONS, HttpMethod.PATCH};
    private static final byte[][] METHOD_BYTES = new byte[METHODS.length][];

    static {
        for (int i = 0; i < METHODS.length; i++) {
            METHOD_BYTES[i] = ascii(METHODS[i].name() + " ");
        }
    }

    private static final byte[] HTTP11 = ascii(" HTTP/1.1");
    private static final byte[] CRLF = {'\r', '\n'};

    private final HttpMethod method;
    private final String uri;
    private final String host;
    private final boolean close;

    private RawRequestHead(ByteBuf bytes, HttpMethod method, String uri, String host, boolean close) {
        super(bytes);
        this.method = method;
        this.uri = uri;
        this.host = host;
        this.close = close;
    }

    HttpMethod method() {
        return method;
    }

    String uri() {
        return uri;
    }

    /** The Host header's value. */
    String host() {
        return host;
    }

    /** The client said {@code Connection: close}. */
    boolean close() {
        return close;
    }

    /** The first value of a header (lower-case name), or {@code null}. */
    String header(String lowerCaseName) {
        return header(content(), lowerCaseName);
    }

    /**
     * The first value of a header (lower-case name) in a plain head held in {@code head} (this kind
     * of head, or what {@link #toServer} made of one), or {@code null}.
     */
    static String header(ByteBuf head, String lowerCaseName) {
        List<String> one = values(head, lowerCaseName, true);
        return one.isEmpty() ? null : one.get(0);
    }

    /** Every value of a header (lower-case name) in a plain head held in {@code head}, in order. */
    static List<String> values(ByteBuf head, String lowerCaseName, boolean firstOnly) {
        byte[] name = ascii(lowerCaseName);
        List<String> found = List.of();
        int start = head.readerIndex();
        int end = head.writerIndex();
        int lineStart = head.forEachByte(start, end - start, ByteProcessor.FIND_LF) + 1; // past the request line
        while (lineStart > 0 && lineStart < end) {
            int lf = head.forEachByte(lineStart, end - lineStart, ByteProcessor.FIND_LF);
            if (lf < 0 || lf - 1 == lineStart) {
                break;
            }
            int colon = lineStart + name.length;
            if (colon < lf && head.getByte(colon) == ':' && equalsIgnoreCase(head, lineStart, colon, name)) {
                int from = skipSpaces(head, colon + 1, lf - 1);
                String value = head.toString(from, trimSpaces(head, from, lf - 1) - from, StandardCharsets.ISO_8859_1);
                if (firstOnly) {
                    return List.of(value);
                }
                if (found.isEmpty()) {
                    found = new ArrayList<>(2);
                }
                found.add(value);
            }
            lineStart = lf + 1;
        }
        return found;
    }

    /**
     * This head as a decoded request (its headers parsed into Netty's), for the rare paths that need
     * one, such as a refusal's access-log record. Does not release the bytes.
     */
    HttpRequest toDecoded() {
        DefaultHttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        ByteBuf head = content();
        int start = head.readerIndex();
        int end = head.writerIndex();
        int lineStart = head.forEachByte(start, end - start, ByteProcessor.FIND_LF) + 1;
        while (lineStart > 0 && lineStart < end) {
            int lf = head.forEachByte(lineStart, end - lineStart, ByteProcessor.FIND_LF);
            if (lf < 0 || lf - 1 == lineStart) {
                break;
            }
            int colon = head.forEachByte(lineStart, lf - lineStart, b -> b != ':');
            int from = skipSpaces(head, colon + 1, lf - 1);
            request.headers().add(head.toString(lineStart, colon - lineStart, StandardCharsets.ISO_8859_1),
                    head.toString(from, trimSpaces(head, from, lf - 1) - from, StandardCharsets.ISO_8859_1));
            lineStart = lf + 1;
        }
        return request;
    }

    /**
     * The bytes to send the server (see the class comment). Does not release this head.
     *
     * @param forwarding the connection's X-Forwarded-For and Forwarded values (see {@link HeaderRewriter.Forwarding})
     * @param certHeader the listener's client-certificate header (lower-case), or {@code null}
     * @param certSubject the verified client certificate's subject to send under it, or {@code null}
     */
    ByteBuf toServer(ByteBufAllocator alloc, HeaderRewriter.Forwarding forwarding, InetAddress client, String proto,
                     String certHeader, String certSubject) {
        forwarding.prepare(client, proto);
        ByteBuf in = content();
        int start = in.readerIndex();
        int end = in.writerIndex();
        byte[] cert = certHeader == null ? null : ascii(certHeader);
        String previousFor = null;
        String previousForwarded = null;
        ByteBuf out = alloc.buffer(in.readableBytes() + 160);
        try {
            int lineStart = in.forEachByte(start, end - start, ByteProcessor.FIND_LF) + 1;
            // Kept lines are copied in runs: most heads are one run (request line to last field).
            int runStart = start;
            while (lineStart < end) {
                int lf = in.forEachByte(lineStart, end - lineStart, ByteProcessor.FIND_LF);
                if (lf - 1 == lineStart) {
                    break; // the empty line
                }
                int colon = in.forEachByte(lineStart, lf - lineStart, b -> b != ':');
                int kind = kind(in, lineStart, colon, cert);
                if (kind != KEEP) {
                    copy(in, runStart, lineStart, out);
                    runStart = lf + 1;
                    if (kind == X_FORWARDED_FOR && previousFor == null) {
                        previousFor = value(in, colon, lf);
                    } else if (kind == FORWARDED && previousForwarded == null) {
                        previousForwarded = value(in, colon, lf);
                    }
                }
                lineStart = lf + 1;
            }
            copy(in, runStart, lineStart, out);
            if (previousFor == null && previousForwarded == null) {
                out.writeBytes(forwarding.lines(host)); // the client's own, kept for its next request
            } else {
                String clientIp = forwarding.clientIp();
                line(out, "X-Forwarded-For", previousFor == null || previousFor.isBlank() ? clientIp : previousFor + ", " + clientIp);
                line(out, "X-Forwarded-Proto", proto);
                line(out, "X-Forwarded-Host", host);
                String fwd = forwarding.forwarded(host);
                line(out, "Forwarded", previousForwarded == null || previousForwarded.isBlank() ? fwd : previousForwarded + ", " + fwd);
            }
            if (cert != null && certSubject != null) {
                line(out, certHeader, certSubject);
            }
            out.writeBytes(CRLF);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /** Copies {@code in}'s bytes from {@code from} to {@code to} onto {@code out} (memory to memory, no NIO view). */
    static void copy(ByteBuf in, int from, int to, ByteBuf out) {
        if (to > from) {
            in.getBytes(from, out, to - from);
        }
    }

    private static void line(ByteBuf out, String name, String value) {
        out.writeCharSequence(name, StandardCharsets.ISO_8859_1);
        out.writeByte(':').writeByte(' ');
        out.writeCharSequence(value, StandardCharsets.ISO_8859_1);
        out.writeBytes(CRLF);
    }

    private static String value(ByteBuf in, int colon, int lf) {
        int from = skipSpaces(in, colon + 1, lf - 1);
        return in.toString(from, trimSpaces(in, from, lf - 1) - from, StandardCharsets.ISO_8859_1);
    }

    /**
     * Reads a request head at {@code in}'s reader index if the whole head is there and is the plain
     * case (see the class comment).
     *
     * @param maxLine the most bytes the request line may take; a longer one is the decoder's to refuse
     * @param maxFields the most bytes the header section may take; a longer one is the decoder's
     * @return {@link #INCOMPLETE} when more bytes are needed, {@link #DECODE} when the head is not
     *         the plain case (or too long): the decoding path takes it; otherwise the parsed head,
     *         holding a retained slice of {@code in}, whose reader index has moved past it
     */
    static Object parse(ByteBuf in, int maxLine, int maxFields) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int lf = start < end ? in.forEachByte(start, Math.min(end - start, maxLine), ByteProcessor.FIND_LF) : -1;
        if (lf < 0) {
            return end - start >= maxLine ? DECODE : INCOMPLETE;
        }
        // The request line: METHOD SP origin-form SP HTTP/1.1 CRLF
        if (lf == start || in.getByte(lf - 1) != '\r') {
            return DECODE;
        }
        int lineEnd = lf - 1;
        HttpMethod method = null;
        int target = -1;
        for (int m = 0; m < METHODS.length && method == null; m++) {
            byte[] bytes = METHOD_BYTES[m];
            if (lineEnd - start > bytes.length && equalsExactly(in, start, bytes)) {
                method = METHODS[m];
                target = start + bytes.length;
            }
        }
        if (method == null || lineEnd - target < HTTP11.length + 1 || in.getByte(target) != '/'
                || !equalsExactly(in, lineEnd - HTTP11.length, HTTP11)) {
            return DECODE;
        }
        int targetEnd = lineEnd - HTTP11.length;
        for (int i = target; i < targetEnd; i++) {
            byte b = in.getByte(i);
            if (b <= ' ' || b >= 0x7f) {
                return DECODE;
            }
        }
        int hostFrom = -1;
        int hostTo = -1;
        boolean close = false;
        int fields = 0;
        int lineStart = lf + 1;
        int fieldsStart = lineStart;
        while (true) {
            lf = lineStart < end ? in.forEachByte(lineStart, end - lineStart, ByteProcessor.FIND_LF) : -1;
            if (lf < 0) {
                return end - fieldsStart > maxFields ? DECODE : INCOMPLETE;
            }
            if (lf - fieldsStart > maxFields || lf == lineStart || in.getByte(lf - 1) != '\r') {
                return DECODE;
            }
            lineEnd = lf - 1;
            if (lineEnd == lineStart) {
                break; // the empty line
            }
            if (++fields > StrictRequests.MAX_HEADERS) {
                return DECODE;
            }
            int colon = nameEnd(in, lineStart, lineEnd);
            if (colon < 0) {
                return DECODE;
            }
            int valueStart = skipSpaces(in, colon + 1, lineEnd);
            int valueEnd = trimSpaces(in, valueStart, lineEnd);
            if (!validValue(in, valueStart, valueEnd)) {
                return DECODE;
            }
            switch (screened(in, lineStart, colon)) {
                case HOST -> {
                    if (hostFrom >= 0) {
                        return DECODE;
                    }
                    hostFrom = valueStart;
                    hostTo = valueEnd;
                }
                case CONTENT_LENGTH -> {
                    if (valueEnd - valueStart != 1 || in.getByte(valueStart) != '0') {
                        return DECODE; // a body: the decoder frames it
                    }
                }
                case CONNECTION -> {
                    if (equalsIgnoreCase(in, valueStart, valueEnd, CLOSE)) {
                        close = true;
                    } else if (!equalsIgnoreCase(in, valueStart, valueEnd, KEEP_ALIVE)) {
                        return DECODE;
                    }
                }
                case REFUSED -> {
                    return DECODE;
                }
                default -> { }
            }
            lineStart = lf + 1;
        }
        if (hostFrom < 0) {
            return DECODE;
        }
        String host = in.toString(hostFrom, hostTo - hostFrom, StandardCharsets.ISO_8859_1);
        if (!StrictRequests.validHost(host)) {
            return DECODE;
        }
        String uri = in.toString(target, targetEnd - target, StandardCharsets.ISO_8859_1);
        int length = lf + 1 - start;
        ByteBuf bytes = in.retainedSlice(start, length);
        in.skipBytes(length);
        return new RawRequestHead(bytes, method, uri, host, close);
    }

    // Header names the parser looks at: the framing and connection ones, and those it leaves to the decoder.
    private static final int OTHER = 0, HOST = 1, CONTENT_LENGTH = 2, CONNECTION = 3, REFUSED = 4;
    private static final byte[][] SCREENED = {ascii("host"), ascii("content-length"), ascii("connection"),
            ascii("transfer-encoding"), ascii("upgrade"), ascii("expect"), ascii("te"), ascii("trailer")};
    private static final int[] SCREENED_KINDS = {HOST, CONTENT_LENGTH, CONNECTION, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED};

    // Lines toServer leaves out.
    private static final int KEEP = 0, DROP = 1, X_FORWARDED_FOR = 2, FORWARDED = 3;
    private static final byte[][] DROPPED = {ascii("connection"), ascii("keep-alive"), ascii("proxy-connection"),
            ascii("te"), ascii("trailer"), ascii("proxy-authenticate"), ascii("upgrade"),
            ascii("x-forwarded-for"), ascii("x-forwarded-proto"), ascii("x-forwarded-host"), ascii("forwarded")};
    private static final int[] DROPPED_KINDS = {DROP, DROP, DROP, DROP, DROP, DROP, DROP, X_FORWARDED_FOR, DROP, DROP, FORWARDED};

    private static final byte[] CLOSE = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");

    private static int screened(ByteBuf in, int from, int to) {
        int length = to - from;
        for (int k = 0; k < SCREENED.length; k++) {
            if (SCREENED[k].length == length && equalsIgnoreCase(in, from, to, SCREENED[k])) {
                return SCREENED_KINDS[k];
            }
        }
        return OTHER;
    }

    private static int kind(ByteBuf in, int from, int to, byte[] cert) {
        int length = to - from;
        for (int k = 0; k < DROPPED.length; k++) {
            if (DROPPED[k].length == length && equalsIgnoreCase(in, from, to, DROPPED[k])) {
                return DROPPED_KINDS[k];
            }
        }
        return cert != null && cert.length == length && equalsIgnoreCase(in, from, to, cert) ? DROP : KEEP;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean equalsExactly(ByteBuf in, int from, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (in.getByte(from + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether the bytes equal {@code lower} (lower-case ASCII) ignoring ASCII case. */
    private static boolean equalsIgnoreCase(ByteBuf in, int from, int to, byte[] lower) {
        if (to - from != lower.length) {
            return false;
        }
        for (int i = 0; i < lower.length; i++) {
            byte b = in.getByte(from + i);
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lower[i]) {
                return false;
            }
        }
        return true;
    }

    /** The colon's index if the line starts with a non-empty token and a colon; else -1. */
    private static int nameEnd(ByteBuf in, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = in.getByte(i);
            if (b == ':') {
                return i == from ? -1 : i;
            }
            if (!RawResponseHead.isTchar(b)) {
                return -1;
            }
        }
        return -1;
    }

    /** Field value bytes: visible, space, tab or obs-text; no other control byte (RFC 9110 §5.5). */
    private static boolean validValue(ByteBuf in, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = in.getByte(i);
            if ((b >= 0 && b < ' ' && b != '\t') || b == 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static int skipSpaces(ByteBuf in, int from, int to) {
        while (from < to && (in.getByte(from) == ' ' || in.getByte(from) == '\t')) {
            from++;
        }
        return from;
    }

    private static int trimSpaces(ByteBuf in, int from, int to) {
        while (to > from && (in.getByte(to - 1) == ' ' || in.getByte(to - 1) == '\t')) {
            to--;
        }
        return to;
    }

    @Override
    public RawRequestHead replace(ByteBuf content) {
        return new RawRequestHead(content, method, uri, host, close);
    }
}

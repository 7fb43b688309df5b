package io.halb.proxy.http;

import io.halb.guard.StrictRequests;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.halb.proxy.http.HeadBytes.ascii;
import static io.halb.proxy.http.HeadBytes.colon;
import static io.halb.proxy.http.HeadBytes.equalsIgnoreCase;
import static io.halb.proxy.http.HeadBytes.indexOfLf;
import static io.halb.proxy.http.HeadBytes.kindOf;
import static io.halb.proxy.http.HeadBytes.skipSpaces;
import static io.halb.proxy.http.HeadBytes.string;
import static io.halb.proxy.http.HeadBytes.trimSpaces;

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
    /** How many bytes the first copy of a head takes: a whole head, usually. */
    private static final int FIRST_COPY = 1024;

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
        int end = head.readableBytes();
        byte[] b = HeadBytes.load(head, head.readerIndex(), end);
        List<String> found = List.of();
        for (int lineStart = indexOfLf(b, 0, end) + 1, lf; lineStart > 0 && lineStart < end; lineStart = lf + 1) {
            lf = indexOfLf(b, lineStart, end);
            if (lf < 0 || lf - 1 == lineStart) {
                break;
            }
            int colon = lineStart + name.length;
            if (colon < lf && b[colon] == ':' && equalsIgnoreCase(b, lineStart, colon, name)) {
                String value = value(b, colon, lf);
                if (firstOnly) {
                    return List.of(value);
                }
                if (found.isEmpty()) {
                    found = new ArrayList<>(2);
                }
                found.add(value);
            }
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
        int end = head.readableBytes();
        byte[] b = HeadBytes.load(head, head.readerIndex(), end);
        for (int lineStart = indexOfLf(b, 0, end) + 1, lf; lineStart > 0 && lineStart < end; lineStart = lf + 1) {
            lf = indexOfLf(b, lineStart, end);
            if (lf < 0 || lf - 1 == lineStart) {
                break;
            }
            int colon = colon(b, lineStart, lf);
            request.headers().add(string(b, lineStart, colon), value(b, colon, lf));
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
        int end = in.readableBytes();
        byte[] b = HeadBytes.load(in, in.readerIndex(), end);
        byte[] cert = certHeader == null ? null : ascii(certHeader);
        String previousFor = null;
        String previousForwarded = null;
        ByteBuf out = alloc.buffer(end + 160);
        try {
            int lineStart = indexOfLf(b, 0, end) + 1;
            // Kept lines are copied in runs: most heads are one run (request line to last field).
            int runStart = 0;
            while (lineStart < end) {
                int lf = indexOfLf(b, lineStart, end);
                if (lf - 1 == lineStart) {
                    break; // the empty line
                }
                int colon = colon(b, lineStart, lf);
                int kind = kindOf(b, lineStart, colon, DROPPED, DROPPED_KINDS, KEEP);
                if (kind == KEEP && cert != null && equalsIgnoreCase(b, lineStart, colon, cert)) {
                    kind = DROP;
                }
                if (kind != KEEP) {
                    out.writeBytes(b, runStart, lineStart - runStart);
                    runStart = lf + 1;
                    if (kind == X_FORWARDED_FOR && previousFor == null) {
                        previousFor = value(b, colon, lf);
                    } else if (kind == FORWARDED && previousForwarded == null) {
                        previousForwarded = value(b, colon, lf);
                    }
                }
                lineStart = lf + 1;
            }
            out.writeBytes(b, runStart, lineStart - runStart);
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

    private static void line(ByteBuf out, String name, String value) {
        out.writeCharSequence(name, StandardCharsets.ISO_8859_1);
        out.writeByte(':').writeByte(' ');
        out.writeCharSequence(value, StandardCharsets.ISO_8859_1);
        out.writeBytes(CRLF);
    }

    /** The value of the field whose colon and LF are given, without surrounding white space. */
    private static String value(byte[] b, int colon, int lf) {
        int from = skipSpaces(b, colon + 1, lf - 1);
        return string(b, from, trimSpaces(b, from, lf - 1));
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
        int limit = Math.min(in.readableBytes(), maxLine + maxFields + 2);
        int copied = Math.min(limit, FIRST_COPY);
        byte[] b = HeadBytes.load(in, in.readerIndex(), copied);
        Object parsed = parse(in, b, copied, maxLine, maxFields);
        if (parsed == INCOMPLETE && copied < limit) {
            in.getBytes(in.readerIndex() + copied, b, copied, limit - copied);
            parsed = parse(in, b, limit, maxLine, maxFields);
        }
        return parsed;
    }

    /** {@link #parse} over the first {@code end} bytes of {@code in}, copied into {@code b}. */
    private static Object parse(ByteBuf in, byte[] b, int end, int maxLine, int maxFields) {
        int lf = indexOfLf(b, 0, Math.min(end, maxLine));
        if (lf < 0) {
            return end >= maxLine ? DECODE : INCOMPLETE;
        }
        // The request line: METHOD SP origin-form SP HTTP/1.1 CRLF
        if (lf == 0 || b[lf - 1] != '\r') {
            return DECODE;
        }
        int lineEnd = lf - 1;
        HttpMethod method = null;
        int target = -1;
        for (int m = 0; m < METHODS.length && method == null; m++) {
            byte[] bytes = METHOD_BYTES[m];
            if (lineEnd > bytes.length && HeadBytes.startsWith(b, 0, bytes)) {
                method = METHODS[m];
                target = bytes.length;
            }
        }
        if (method == null || lineEnd - target < HTTP11.length + 1 || b[target] != '/'
                || !HeadBytes.startsWith(b, lineEnd - HTTP11.length, HTTP11)) {
            return DECODE;
        }
        int targetEnd = lineEnd - HTTP11.length;
        for (int i = target; i < targetEnd; i++) {
            if (b[i] <= ' ' || b[i] >= 0x7f) {
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
            lf = indexOfLf(b, lineStart, end);
            if (lf < 0) {
                return end - fieldsStart > maxFields ? DECODE : INCOMPLETE;
            }
            if (lf - fieldsStart > maxFields || lf == lineStart || b[lf - 1] != '\r') {
                return DECODE;
            }
            lineEnd = lf - 1;
            if (lineEnd == lineStart) {
                break; // the empty line
            }
            if (++fields > StrictRequests.MAX_HEADERS) {
                return DECODE;
            }
            int colon = HeadBytes.nameEnd(b, lineStart, lineEnd);
            if (colon < 0) {
                return DECODE;
            }
            int valueStart = skipSpaces(b, colon + 1, lineEnd);
            int valueEnd = trimSpaces(b, valueStart, lineEnd);
            if (!HeadBytes.validValue(b, valueStart, valueEnd)) {
                return DECODE;
            }
            switch (kindOf(b, lineStart, colon, SCREENED, SCREENED_KINDS, OTHER)) {
                case HOST -> {
                    if (hostFrom >= 0) {
                        return DECODE;
                    }
                    hostFrom = valueStart;
                    hostTo = valueEnd;
                }
                case CONTENT_LENGTH -> {
                    if (valueEnd - valueStart != 1 || b[valueStart] != '0') {
                        return DECODE; // a body: the decoder frames it
                    }
                }
                case CONNECTION -> {
                    if (equalsIgnoreCase(b, valueStart, valueEnd, CLOSE)) {
                        close = true;
                    } else if (!equalsIgnoreCase(b, valueStart, valueEnd, KEEP_ALIVE)) {
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
        String host = string(b, hostFrom, hostTo);
        if (!StrictRequests.validHost(host)) {
            return DECODE;
        }
        String uri = string(b, target, targetEnd);
        int length = lf + 1;
        ByteBuf bytes = in.retainedSlice(in.readerIndex(), length);
        in.skipBytes(length);
        return new RawRequestHead(bytes, method, uri, host, close);
    }

    @Override
    public RawRequestHead replace(ByteBuf content) {
        return new RawRequestHead(content, method, uri, host, close);
    }
}

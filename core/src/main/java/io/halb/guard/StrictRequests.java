package io.halb.guard;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

import java.util.List;

/**
 * Checks on a decoded request head that Netty's decoder does not make: the version, the Host
 * header (RFC 9112 §3.2), the form of the request target, the transfer coding list and the number
 * of header fields. Framing (Content-Length with Transfer-Encoding, several Content-Length, a final
 * coding other than chunked) is refused by the decoder itself, configured in
 * {@code HttpFrontendInitializer}; what decoding hides (obs-fold, bare CR) by {@link HeadScanHandler}.
 *
 * <p>Stateless and thread-safe. Every check is a pass over a few short strings; no regex.
 */
public final class StrictRequests {

    /** At most this many header fields in a request head (HAProxy's default is 101). */
    public static final int MAX_HEADERS = 100;

    private static final boolean[] HOST_CHARS = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            HOST_CHARS[c] = true;
            HOST_CHARS[Character.toUpperCase(c)] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            HOST_CHARS[c] = true;
        }
        // RFC 3986 reg-name (unreserved, pct-encoded, sub-delims), ':' port and IP-literal brackets.
        for (char c : "-._~%!$&'()*+,;=:[]".toCharArray()) {
            HOST_CHARS[c] = true;
        }
    }

    private StrictRequests() {
    }

    /** Why {@code request} is refused, or {@code null} when it may go on. */
    public static String check(HttpRequest request) {
        HttpVersion version = request.protocolVersion();
        if (!"HTTP".equals(version.protocolName()) || version.majorVersion() != 1
                || (version.minorVersion() != 0 && version.minorVersion() != 1)) {
            return "unsupported HTTP version " + version.text();
        }
        HttpHeaders headers = request.headers();
        if (headers.size() > MAX_HEADERS) {
            return "more than " + MAX_HEADERS + " header fields";
        }
        List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            return "several Host headers";
        }
        boolean http11 = version.minorVersion() == 1;
        if (hosts.isEmpty() && http11) {
            return "no Host header in an HTTP/1.1 request";
        }
        String host = hosts.isEmpty() ? null : hosts.get(0);
        if (host != null && !validHost(host)) {
            return "invalid Host header";
        }
        String reason = checkTarget(request.method(), request.uri(), host);
        if (reason != null) {
            return reason;
        }
        List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!codings.isEmpty()) {
            if (!http11) {
                // RFC 9112 §6.1: faulty framing in HTTP/1.0.
                return "Transfer-Encoding in an HTTP/1.0 request";
            }
            reason = checkCodings(codings);
            if (reason != null) {
                return reason;
            }
        }
        return null;
    }

    /** Whether a Host value has only the characters of an RFC 3986 authority. */
    public static boolean validHost(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c >= 128 || !HOST_CHARS[c]) {
                return false;
            }
        }
        return true;
    }

    /** RFC 9112 §3.2: origin-form, absolute-form (http/https, authority equal to Host), asterisk-form. */
    private static String checkTarget(HttpMethod method, String uri, String host) {
        if (uri.isEmpty()) {
            return "empty request target";
        }
        if (uri.charAt(0) == '/') {
            return null;
        }
        if (uri.equals("*")) {
            return HttpMethod.OPTIONS.equals(method) ? null : "asterisk-form target with " + method.name();
        }
        if (HttpMethod.CONNECT.equals(method)) {
            return null;
        }
        int schemeEnd;
        boolean https;
        if (uri.regionMatches(true, 0, "http://", 0, 7)) {
            schemeEnd = 7;
            https = false;
        } else if (uri.regionMatches(true, 0, "https://", 0, 8)) {
            schemeEnd = 8;
            https = true;
        } else {
            return "invalid request target";
        }
        int end = schemeEnd;
        while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
            end++;
        }
        String authority = uri.substring(schemeEnd, end);
        if (authority.isEmpty() || authority.indexOf('@') >= 0 || !validHost(authority)) {
            return "invalid authority in absolute-form target";
        }
        if (host == null || !sameAuthority(authority, host, https ? ":443" : ":80")) {
            return "absolute-form target authority " + authority + " differs from Host";
        }
        return null;
    }

    private static boolean sameAuthority(String a, String b, String defaultPort) {
        return strip(a, defaultPort).equalsIgnoreCase(strip(b, defaultPort));
    }

    private static String strip(String authority, String defaultPort) {
        return authority.endsWith(defaultPort) ? authority.substring(0, authority.length() - defaultPort.length()) : authority;
    }

    /** RFC 9112 §6.1: chunked exactly once, as the final coding; every coding a token. */
    private static String checkCodings(List<String> fields) {
        int chunked = 0;
        boolean lastChunked = false;
        for (String field : fields) {
            int start = 0;
            while (start <= field.length()) {
                int comma = field.indexOf(',', start);
                int end = comma < 0 ? field.length() : comma;
                String coding = field.substring(start, end).trim();
                if (coding.isEmpty() || !HeadScanHandler.isToken(coding)) {
                    return "invalid Transfer-Encoding " + field;
                }
                lastChunked = coding.equalsIgnoreCase("chunked");
                if (lastChunked) {
                    chunked++;
                }
                start = end + 1;
            }
        }
        if (chunked != 1 || !lastChunked) {
            return "Transfer-Encoding must end with a single chunked";
        }
        return null;
    }
}

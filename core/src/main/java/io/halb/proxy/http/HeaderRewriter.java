package io.halb.proxy.http;

import io.halb.config.ListenerConfig;
import io.halb.config.TlsConfig;
import io.halb.tls.TlsSession;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * The header changes a proxy owes both sides (RFC 9110 §7.6): hop-by-hop headers stay on their hop,
 * and the server learns who the client was through X-Forwarded-* and Forwarded (RFC 7239).
 */
final class HeaderRewriter {

    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    private static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");

    /**
     * Hop-by-hop headers other than Transfer-Encoding, which the codec re-frames on the next hop with
     * the same chunking, and Upgrade, which is kept only while upgrading.
     */
    private static final List<AsciiString> HOP_BY_HOP = List.of(
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, PROXY_CONNECTION,
            HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.PROXY_AUTHENTICATE);

    private HeaderRewriter() {}

    /** Whether the request asks to switch protocols (e.g. WebSocket). */
    static boolean isUpgrade(HttpHeaders headers) {
        return headers.contains(HttpHeaderNames.UPGRADE)
                && headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /**
     * Rewrites a client's request headers in place for the server.
     *
     * @param upgrade keep the Upgrade handshake (the request asked to switch protocols)
     */
    static void toServer(HttpHeaders headers, InetAddress client, String proto, boolean upgrade) {
        toServer(headers, new Forwarding(), client, proto, upgrade);
    }

    /**
     * Rewrites a client's request headers in place for the server, reusing what {@code forwarding}
     * derived for the previous request of the same connection (the client's address text and the
     * Forwarded value), so a keep-alive request with the same Host builds no strings.
     *
     * @param upgrade keep the Upgrade handshake (the request asked to switch protocols)
     */
    static void toServer(HttpHeaders headers, Forwarding forwarding, InetAddress client, String proto,
                         boolean upgrade) {
        removeHopByHop(headers, upgrade);
        if (upgrade) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        forwarding.prepare(client, proto);
        String clientIp = forwarding.clientIp();
        String previous = headers.get(X_FORWARDED_FOR);
        headers.set(X_FORWARDED_FOR, previous == null || previous.isBlank() ? clientIp : previous + ", " + clientIp);
        headers.set(X_FORWARDED_PROTO, proto);
        String host = headers.get(HttpHeaderNames.HOST);
        if (host != null) {
            headers.set(X_FORWARDED_HOST, host);
        }
        String fwd = forwarding.forwarded(host);
        String prevFwd = headers.get(FORWARDED);
        headers.set(FORWARDED, prevFwd == null || prevFwd.isBlank() ? fwd : prevFwd + ", " + fwd);
    }

    /**
     * What {@link #toServer} derives from a client, scheme and Host, kept for the next request of
     * the same client: a small direct-mapped table keyed by client address and scheme, one per
     * event loop ({@link #ofThisThread()}), so an idle keep-alive connection holds none of these
     * strings (issue 9's idle memory) while a client's keep-alive requests still build none. Two
     * clients whose slots collide, or one client alternating Hosts, recompute; never a wrong value.
     * Used only on the thread that owns it.
     */
    static final class Forwarding {
        private static final int SLOTS = 64;
        private static final FastThreadLocal<Forwarding> PER_THREAD = new FastThreadLocal<>() {
            @Override
            protected Forwarding initialValue() {
                return new Forwarding();
            }
        };

        private final Entry[] slots = new Entry[SLOTS];
        /** The entry {@link #prepare} chose for the request being rewritten. */
        private Entry current;

        /** The calling thread's table (an event loop's, shared by the connections it serves). */
        static Forwarding ofThisThread() {
            return PER_THREAD.get();
        }

        void prepare(InetAddress client, String proto) {
            int slot = (client.hashCode() * 31 + proto.hashCode()) & (SLOTS - 1);
            Entry e = slots[slot];
            if (e == null || !client.equals(e.client) || !proto.equals(e.proto)) {
                e = new Entry(client, proto);
                slots[slot] = e;
            }
            current = e;
        }

        /** The client's address as text, for X-Forwarded-For (after {@link #prepare}). */
        String clientIp() {
            return current.clientIp;
        }

        /** The Forwarded element (RFC 7239) for this client, scheme and Host ({@code null}: none). */
        String forwarded(String host) {
            Entry e = current;
            if (e.forwarded != null && (host == null ? e.host == null : host.equals(e.host))) {
                return e.forwarded;
            }
            String value;
            if (host == null) {
                value = e.forProto;
            } else if (isToken(host)) {
                value = e.forProto + ";host=" + host;
            } else {
                value = e.forProto + ";host=\"" + host.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
            }
            e.host = host;
            e.forwarded = value;
            e.lines = null;
            return value;
        }

        /**
         * The four forwarding header lines, as bytes, for a request head forwarded as bytes that
         * carried none of its own (see {@link RawRequestHead#toServer}); after {@link #prepare}.
         */
        byte[] lines(String host) {
            String fwd = forwarded(host);
            Entry e = current;
            if (e.lines == null) {
                e.lines = ("X-Forwarded-For: " + e.clientIp + "\r\nX-Forwarded-Proto: " + e.proto
                        + (host == null ? "" : "\r\nX-Forwarded-Host: " + host) + "\r\nForwarded: " + fwd + "\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            }
            return e.lines;
        }

        private static final class Entry {
            final InetAddress client;
            final String proto;
            final String clientIp;
            /** {@code for=...;proto=...}: the Forwarded element without its host. */
            final String forProto;
            String host;
            String forwarded;
            /** {@link #lines} for {@link #host}. */
            byte[] lines;

            Entry(InetAddress client, String proto) {
                this.client = client;
                this.proto = proto;
                this.clientIp = client.getHostAddress();
                this.forProto = (client instanceof Inet6Address ? "for=\"[" + clientIp + "]\"" : "for=" + clientIp)
                        + ";proto=" + proto;
            }
        }
    }

    /**
     * On a listener whose {@code client_auth} names a header: removes whatever the client sent under
     * that name (it must not vouch for itself), then sets the verified certificate's subject, if any.
     */
    static void clientCertificate(HttpHeaders headers, ListenerConfig listener, TlsSession tls) {
        if (listener.tls().isEmpty()) {
            return;
        }
        Optional<TlsConfig.ClientAuth> auth = listener.tls().get().clientAuth();
        if (auth.isEmpty() || auth.get().header().isEmpty()) {
            return;
        }
        String name = auth.get().header().get();
        headers.remove(name);
        if (tls != null && tls.clientSubject() != null) {
            headers.set(name, tls.clientSubject());
        }
    }

    /**
     * The header (lower-case) under which the listener's {@code client_auth} sends the verified
     * subject, or {@code null} when it sends none.
     */
    static String clientCertificateHeader(ListenerConfig listener) {
        if (listener.tls().isEmpty()) {
            return null;
        }
        Optional<TlsConfig.ClientAuth> auth = listener.tls().get().clientAuth();
        if (auth.isEmpty() || auth.get().header().isEmpty()) {
            return null;
        }
        return auth.get().header().get().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Rewrites a server's response headers in place for the client.
     *
     * @param upgrade the response switches protocols: keep its Upgrade handshake
     */
    static void toClient(HttpHeaders headers, boolean upgrade) {
        removeHopByHop(headers, upgrade);
        if (upgrade) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
    }

    private static void removeHopByHop(HttpHeaders headers, boolean keepUpgrade) {
        // Headers named by Connection are hop-by-hop too (RFC 9110 §7.6.1). Most messages carry no
        // Connection header or one plain "keep-alive"/"close": those need no list and no split.
        if (headers.contains(HttpHeaderNames.CONNECTION) && namesOtherHeaders(headers)) {
            for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
                for (String token : connection.split(",")) {
                    String name = token.trim();
                    if (!isKeptConnectionToken(name)) {
                        headers.remove(name);
                    }
                }
            }
        }
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
        if (!keepUpgrade) {
            headers.remove(HttpHeaderNames.UPGRADE);
        }
    }

    /** Whether a Connection value names a header to remove (only reads: removing while iterating is unsafe). */
    private static boolean namesOtherHeaders(HttpHeaders headers) {
        Iterator<String> values = headers.valueStringIterator(HttpHeaderNames.CONNECTION);
        while (values.hasNext()) {
            String connection = values.next();
            if (connection.indexOf(',') >= 0 || !isKeptConnectionToken(connection.trim())) {
                return true;
            }
        }
        return false;
    }

    /** Connection tokens that name no header to remove. */
    private static boolean isKeptConnectionToken(String name) {
        return name.isEmpty() || name.equalsIgnoreCase("close") || name.equalsIgnoreCase("keep-alive")
                || name.equalsIgnoreCase("upgrade") || name.equalsIgnoreCase("transfer-encoding");
    }

    private static boolean isToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == ':' || c == '_')) {
                return false;
            }
        }
        return !s.isEmpty();
    }
}

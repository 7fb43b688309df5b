package io.halb.tls;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What a completed TLS handshake with a client established, kept on its channel for the requests
 * that follow: the protocol and cipher, the server name it asked for, and the subject of its
 * verified certificate. Immutable.
 *
 * @param clientSubject the verified client certificate's subject (RFC 2253), or {@code null}
 */
public record TlsSession(String protocol, String cipher, String serverName, String clientSubject) {

    private static final AttributeKey<TlsSession> KEY = AttributeKey.valueOf(TlsSession.class, "session");

    /** The session of a client connection whose handshake completed, or {@code null} (plain text). */
    public static TlsSession of(Channel ch) {
        // An HTTP/2 stream was secured by its connection's handshake.
        Channel conn = ch instanceof Http2StreamChannel ? ch.parent() : ch;
        // hasAttr first: attr() would add an empty attribute to every plain-text connection.
        return conn.hasAttr(KEY) ? conn.attr(KEY).get() : null;
    }

    /**
     * Records the session of {@code ch} once its handshake succeeded. Called on the channel's
     * event loop.
     *
     * @param serverName the SNI the client sent, or {@code null}
     */
    public static TlsSession record(Channel ch, SslHandler ssl, String serverName) {
        SSLSession s = ssl.engine().getSession();
        String subject = null;
        try {
            Certificate[] peer = s.getPeerCertificates();
            if (peer.length > 0 && peer[0] instanceof X509Certificate x) {
                subject = x.getSubjectX500Principal().getName();
            }
        } catch (SSLPeerUnverifiedException e) {
            // no client certificate
        }
        TlsSession session = new TlsSession(s.getProtocol(), s.getCipherSuite(), serverName, subject);
        ch.attr(KEY).set(session);
        return session;
    }
}

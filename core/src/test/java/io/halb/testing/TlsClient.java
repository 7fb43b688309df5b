package io.halb.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** A blocking TLS client for tests: handshakes with a chosen SNI (or none) and sends raw HTTP/1.1. */
public final class TlsClient {

    private TlsClient() {}

    /** A connected socket whose handshake completed; SNI {@code sni}, or none when null. */
    public static SSLSocket connect(SSLContext ctx, InetSocketAddress to, String sni) throws IOException {
        Socket plain = new Socket();
        plain.connect(to, 5000);
        plain.setSoTimeout(10_000);
        // The JDK caches client sessions by host and port: one host per server name keeps a
        // session resumed for one name from standing in for another's handshake.
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, sni == null ? "127.0.0.1" : sni,
                to.getPort(), true);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        s.setSSLParameters(p);
        s.setUseClientMode(true);
        s.startHandshake();
        return s;
    }

    /** The certificate the server presented to a client sending {@code sni} (null: none). */
    public static X509Certificate serverCertificate(SSLContext ctx, InetSocketAddress to, String sni) throws IOException {
        try (SSLSocket s = connect(ctx, to, sni)) {
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    /** The subject CN of the certificate presented for {@code sni}. */
    public static String serverCn(SSLContext ctx, InetSocketAddress to, String sni) throws IOException {
        String dn = serverCertificate(ctx, to, sni).getSubjectX500Principal().getName();
        return dn.startsWith("CN=") ? dn.substring(3).split(",")[0] : dn;
    }

    /** GET {@code path} with {@code Connection: close}; the whole raw response. */
    public static String get(SSLContext ctx, InetSocketAddress to, String sni, String path) throws IOException {
        try (SSLSocket s = connect(ctx, to, sni)) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + (sni == null ? "localhost" : sni)
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return readAll(s.getInputStream());
        }
    }

    static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        int n;
        try {
            while ((n = in.read(b)) > 0) {
                buf.write(b, 0, n);
            }
        } catch (javax.net.ssl.SSLException e) {
            // a close without close_notify after the answer
        }
        return buf.toString(StandardCharsets.ISO_8859_1);
    }
}

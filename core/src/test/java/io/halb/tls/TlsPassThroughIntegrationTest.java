package io.halb.tls;

import io.halb.testing.HalbFixture;
import io.halb.testing.TestCertificates;
import io.halb.testing.TlsBackend;
import io.halb.testing.TlsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import static org.assertj.core.api.Assertions.assertThat;

class TlsPassThroughIntegrationTest {

    @TempDir
    static Path dir;
    static TestCertificates ca;
    static TlsBackend exact;
    static TlsBackend wildcard;
    static TlsBackend fallback;

    @BeforeAll
    static void backends() throws Exception {
        ca = TestCertificates.ca(dir, "ca");
        exact = TlsBackend.start("exact", ca.issue("exact", "api.example.com", "api.example.com"));
        wildcard = TlsBackend.start("wildcard", ca.issue("wild", "*.apps.example.com", "*.apps.example.com"));
        fallback = TlsBackend.start("fallback", ca.issue("fallback", "default.example.com", "default.example.com"));
    }

    @AfterAll
    static void stop() throws Exception {
        for (TlsBackend b : new TlsBackend[] {exact, wildcard, fallback}) {
            if (b != null) {
                b.close();
            }
        }
    }

    /** halb holds no certificate at all here: whatever the client sees is the server's own. */
    static final String CONFIG = """
            event_loops: 2
            listeners:
              - name: tls
                bind: "127.0.0.1:0"
                mode: tcp
                pool: fallback
                sni_routes:
                  - {sni: api.example.com, pool: exact}
                  - {sni: "*.apps.example.com", pool: wildcard}
            pools:
              - {name: exact, servers: [{name: e, address: "{{exact}}"}]}
              - {name: wildcard, servers: [{name: w, address: "{{wildcard}}"}]}
              - {name: fallback, servers: [{name: f, address: "{{fallback}}"}]}
            timeouts: {connect: 2s, tls_handshake: {{handshake}}}
            """;

    static HalbFixture start(String handshake) throws Exception {
        return HalbFixture.start(CONFIG, Map.of("exact", exact, "wildcard", wildcard, "fallback", fallback,
                "handshake", handshake));
    }

    @Test
    void routesByTheClientHellosServerNameAndTheClientSeesTheServersOwnCertificate() throws Exception {
        try (HalbFixture halb = start("5s")) {
            SSLContext client = ca.clientContext(null);
            var to = halb.address("tls");
            assertThat(TlsClient.serverCn(client, to, "api.example.com")).isEqualTo("api.example.com");
            assertThat(TlsClient.serverCn(client, to, "x.apps.example.com")).isEqualTo("*.apps.example.com");
            assertThat(TlsClient.serverCn(client, to, "other.example.com")).isEqualTo("default.example.com");
            assertThat(TlsClient.serverCn(client, to, null)).isEqualTo("default.example.com");
            // a whole request end to end, encrypted between the client and the server only
            String response = TlsClient.get(client, to, "api.example.com", "/");
            assertThat(response).startsWith("HTTP/1.1 200").endsWith("exact");
            assertThat(exact.lastHeaders()).doesNotContainKey("X-forwarded-for");
        }
    }

    @Test
    void aClientHelloSplitAcrossSegmentsStillRoutes() throws Exception {
        try (HalbFixture halb = start("5s"); Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(halb.address("tls"), 5000);
            s.setSoTimeout(10_000);
            byte[] hello = clientHello("api.example.com");
            OutputStream out = s.getOutputStream();
            // the record header alone, then the rest in pieces: each its own segment
            int[] cuts = {3, 5, 40, hello.length / 2, hello.length};
            int from = 0;
            for (int cut : cuts) {
                out.write(hello, from, cut - from);
                out.flush();
                from = cut;
                Thread.sleep(30); // lets each piece leave as a segment of its own
            }
            // TLS 1.2: the server's Certificate message is in the clear; it names the exact backend
            String answer = readUntil(s.getInputStream(), "api.example.com", 8000);
            assertThat(answer).contains("api.example.com").doesNotContain("default.example.com");
        }
    }

    @Test
    void aClientThatSendsNoClientHelloIsClosedAfterTheTimeout() throws Exception {
        try (HalbFixture halb = start("300ms"); Socket s = new Socket()) {
            s.connect(halb.address("tls"), 5000);
            s.setSoTimeout(10_000);
            long start = System.nanoTime();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(9_000);
        }
    }

    /** A TLS 1.2 ClientHello naming {@code sni}, as the JDK would send it. */
    static byte[] clientHello(String sni) throws Exception {
        SSLEngine engine = ca.clientContext(null).createSSLEngine(sni, 443);
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(sni)));
        p.setProtocols(new String[] {"TLSv1.2"});
        engine.setSSLParameters(p);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.beginHandshake();
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    static String readUntil(InputStream in, String text, long millis) throws Exception {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        byte[] buf = new byte[4096];
        while (System.nanoTime() < deadline) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            seen.write(buf, 0, n);
            if (seen.toString(StandardCharsets.ISO_8859_1).contains(text)) {
                break;
            }
        }
        return seen.toString(StandardCharsets.ISO_8859_1);
    }
}

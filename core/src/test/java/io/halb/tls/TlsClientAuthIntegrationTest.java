package io.halb.tls;

import io.halb.testing.HalbFixture;
import io.halb.testing.RecordedRequest;
import io.halb.testing.TestBackend;
import io.halb.testing.TestCertificates;
import io.halb.testing.TlsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import static org.assertj.core.api.Assertions.assertThat;

class TlsClientAuthIntegrationTest {

    @TempDir
    static Path dir;
    static TestCertificates serverCa;
    static TestCertificates clientCa;
    static TestCertificates strangerCa;
    static TestCertificates.Pair site;
    static TestCertificates.Pair alice;
    static TestCertificates.Pair stranger;
    static TestBackend backend;

    @BeforeAll
    static void certificates() throws Exception {
        serverCa = TestCertificates.ca(dir, "server-ca");
        clientCa = TestCertificates.ca(dir, "client-ca");
        strangerCa = TestCertificates.ca(dir, "stranger-ca");
        site = serverCa.issue("site", "www.example.com", "www.example.com");
        alice = clientCa.issue("alice", "alice");
        stranger = strangerCa.issue("stranger", "mallory");
        backend = TestBackend.start("app");
    }

    @AfterAll
    static void stop() {
        if (backend != null) {
            backend.close();
        }
    }

    static HalbFixture start(String mode) throws Exception {
        return HalbFixture.start("""
                event_loops: 2
                listeners:
                  - name: web
                    bind: "127.0.0.1:0"
                    pool: web
                    tls:
                      certificates: [{cert: "{{cert}}", key: "{{key}}"}]
                      client_auth: {ca_file: "{{ca}}", mode: {{mode}}, header: X-Client-Cert-Subject}
                pools:
                  - {name: web, servers: [{name: app, address: "{{backend}}"}]}
                """, Map.of("cert", site.cert(), "key", site.key(), "ca", clientCa.caCert(), "mode", mode,
                "backend", backend));
    }

    /** A client trusting the server's CA, presenting {@code cert} (null: none). */
    static SSLContext client(TestCertificates.Pair cert) throws Exception {
        return serverCa.clientContext(cert);
    }

    /** GET / with a forged subject header; the raw response, or the exception's text when refused. */
    static String get(SSLContext ctx, HalbFixture halb) {
        try (SSLSocket s = TlsClient.connect(ctx, halb.address("web"), "www.example.com")) {
            OutputStream out = s.getOutputStream();
            out.write(("GET /who HTTP/1.1\r\nHost: www.example.com\r\nX-Client-Cert-Subject: CN=admin\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "refused: " + e;
        }
    }

    @Test
    void requiredRefusesAClientWithoutACertificateOrWithAnUntrustedOne() throws Exception {
        try (HalbFixture halb = start("required")) {
            int before = backend.requests();
            assertThat(get(client(null), halb)).doesNotStartWith("HTTP/1.1");
            assertThat(get(client(stranger), halb)).doesNotStartWith("HTTP/1.1");
            assertThat(backend.requests()).isEqualTo(before);
        }
    }

    @Test
    void theVerifiedSubjectReachesTheServerAndAForgedOneNever() throws Exception {
        try (HalbFixture halb = start("required")) {
            assertThat(get(client(alice), halb)).startsWith("HTTP/1.1 200");
            RecordedRequest r = backend.lastRequest();
            assertThat(r.headerValues("X-Client-Cert-Subject")).containsExactly("CN=alice");
        }
    }

    @Test
    void optionalServesAClientWithoutACertificateWithoutTheHeader() throws Exception {
        try (HalbFixture halb = start("optional")) {
            assertThat(get(client(null), halb)).startsWith("HTTP/1.1 200");
            assertThat(backend.lastRequest().hasHeader("X-Client-Cert-Subject")).isFalse();
            assertThat(get(client(alice), halb)).startsWith("HTTP/1.1 200");
            assertThat(backend.lastRequest().headerValues("X-Client-Cert-Subject")).containsExactly("CN=alice");
        }
    }
}

package io.halb.tls;

import io.halb.testing.HalbFixture;
import io.halb.testing.RecordedRequest;
import io.halb.testing.TestBackend;
import io.halb.testing.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/2 over TLS: ALPN offers {@code h2} first, then {@code http/1.1}; a JDK HttpClient asking for
 * HTTP/2 gets it, its streams are served as HTTP/1.1 requests that the server learns came over
 * https, and a client that offers only HTTP/1.1 still gets HTTP/1.1. Certificates are made at test
 * time ({@link TestCertificates}).
 */
class Http2TlsIntegrationTest {

    @TempDir
    static Path dir;
    static TestCertificates ca;
    static TestCertificates.Pair site;
    static TestBackend backend;

    @BeforeAll
    static void certificates() throws Exception {
        ca = TestCertificates.ca(dir, "ca");
        site = ca.issue("site", "h2.example.com", "h2.example.com");
        backend = TestBackend.start("app");
    }

    @AfterAll
    static void stop() {
        if (backend != null) {
            backend.close();
        }
    }

    static String config(String provider) {
        return """
                event_loops: 2
                listeners:
                  - name: web
                    bind: "127.0.0.1:0"
                    pool: web
                    tls:
                      provider: %s
                      certificates:
                        - {cert: "%s", key: "%s"}
                pools:
                  - {name: web, servers: [{name: app, address: "{{backend}}"}]}
                timeouts: {connect: 2s, tls_handshake: 5s}
                """.formatted(provider, site.cert(), site.key());
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void alpnNegotiatesH2AndAJdkHttpClientRequestSucceeds(String provider) throws Exception {
        try (HalbFixture halb = HalbFixture.start(config(provider), Map.of("backend", backend))) {
            InetSocketAddress to = halb.address("web");
            assertThat(negotiated(to, "h2", "http/1.1")).isEqualTo("h2");
            assertThat(negotiated(to, "http/1.1")).isEqualTo("http/1.1");

            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                    .sslContext(ca.clientContext(null)).connectTimeout(Duration.ofSeconds(5)).build();
            URI base = URI.create("https://127.0.0.1:" + to.getPort());
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve("/h2")).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("app GET /h2");
            RecordedRequest seen = backend.lastRequest();
            assertThat(seen.protocol()).isEqualTo("HTTP/1.1");
            assertThat(seen.header("x-forwarded-proto")).contains("https");

            // Several at once: multiplexed on the client's one HTTP/2 connection.
            List<CompletableFuture<HttpResponse<String>>> many = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                many.add(client.sendAsync(HttpRequest.newBuilder(base.resolve("/m/" + i)).timeout(Duration.ofSeconds(20))
                        .POST(HttpRequest.BodyPublishers.ofString("body " + i)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> m = many.get(i).get();
                assertThat(m.version()).isEqualTo(HttpClient.Version.HTTP_2);
                assertThat(m.body()).isEqualTo("app POST /m/" + i);
                assertThat(m.headers().firstValue("x-request-body-length")).contains(Integer.toString(("body " + i).length()));
            }

            HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .sslContext(ca.clientContext(null)).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> r1 = h1.send(HttpRequest.newBuilder(base.resolve("/h1")).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r1.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(r1.body()).isEqualTo("app GET /h1");
        }
    }

    /** The protocol the server picked by ALPN from {@code offered}. */
    private static String negotiated(InetSocketAddress to, String... offered) throws Exception {
        SSLContext ctx = ca.clientContext(null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(to.getAddress(), to.getPort())) {
            s.setSoTimeout(10_000);
            SSLParameters p = s.getSSLParameters();
            p.setApplicationProtocols(offered);
            s.setSSLParameters(p);
            s.startHandshake();
            return s.getApplicationProtocol();
        }
    }
}

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

import static org.assertj.core.api.Assertions.assertThat;

class TlsTerminationIntegrationTest {

    @TempDir
    static Path dir;
    static TestCertificates ca;
    static TestCertificates.Pair a;
    static TestCertificates.Pair b;
    static TestCertificates.Pair wild;
    static TestBackend backend;

    @BeforeAll
    static void certificates() throws Exception {
        ca = TestCertificates.ca(dir, "ca");
        a = ca.issue("a", "a.example.com", "a.example.com");
        b = ca.issue("b", "b.example.com", "b.example.com", "www.b.example.com");
        wild = ca.issue("wild", "*.c.example.com", "*.c.example.com");
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
                        - {cert: "%s", key: "%s"}
                        - {cert: "%s", key: "%s"}
                pools:
                  - {name: web, servers: [{name: app, address: "{{backend}}"}]}
                timeouts: {connect: 2s, tls_handshake: 5s}
                """.formatted(provider, a.cert(), a.key(), b.cert(), b.key(), wild.cert(), wild.key());
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void sniPicksTheCertificateThatNamesTheServerAndTheFirstOneOtherwise(String provider) throws Exception {
        try (HalbFixture halb = HalbFixture.start(config(provider), Map.of("backend", backend))) {
            assertThat(halb.halb().config().listeners().get(0).tls()).isPresent();
            InetSocketAddress to = halb.address("web");
            SSLContext client = ca.clientContext(null);
            assertThat(TlsClient.serverCn(client, to, "a.example.com")).isEqualTo("a.example.com");
            assertThat(TlsClient.serverCn(client, to, "b.example.com")).isEqualTo("b.example.com");
            assertThat(TlsClient.serverCn(client, to, "www.b.example.com")).isEqualTo("b.example.com");
            assertThat(TlsClient.serverCn(client, to, "x.c.example.com")).isEqualTo("*.c.example.com");
            // no SNI, a name no certificate carries, a wildcard one label too deep: the first certificate
            assertThat(TlsClient.serverCn(client, to, null)).isEqualTo("a.example.com");
            assertThat(TlsClient.serverCn(client, to, "other.example.org")).isEqualTo("a.example.com");
            assertThat(TlsClient.serverCn(client, to, "y.x.c.example.com")).isEqualTo("a.example.com");
            // the provider asked for is the one that serves
            io.halb.config.TlsConfig tls = halb.config().listeners().get(0).tls().get();
            assertThat(ServerTls.load("test", tls, java.time.Duration.ofSeconds(5), List.of("http/1.1"))
                    .provider().name().toLowerCase()).isEqualTo(provider);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void sessionsAreResumedForTheNameTheyWereMadeFor(String provider) throws Exception {
        try (HalbFixture halb = HalbFixture.start(config(provider), Map.of("backend", backend))) {
            int port = halb.address("web").getPort();
            for (String version : List.of("-tls1_2", "-tls1_3")) {
                Path session = dir.resolve("session-" + provider + version);
                assertThat(sClient(port, version, "-sess_out", session.toString()).output).contains("New, TLSv1.");
                assertThat(sClient(port, version, "-sess_in", session.toString()).output).contains("Reused, TLSv1.");
            }
        }
    }

    @Test
    void requestsAreProxiedAndTheServerLearnsTheyCameOverHttps() throws Exception {
        try (HalbFixture halb = HalbFixture.start(config("auto"), Map.of("backend", backend))) {
            SSLContext client = ca.clientContext(null);
            String response = TlsClient.get(client, halb.address("web"), "b.example.com", "/hello");
            assertThat(response).startsWith("HTTP/1.1 200");
            RecordedRequest r = backend.lastRequest();
            assertThat(r.uri()).isEqualTo("/hello");
            assertThat(r.header("X-Forwarded-Proto")).contains("https");
            assertThat(r.header("Forwarded")).hasValueSatisfying(f -> assertThat(f).contains("proto=https"));
        }
    }

    @Test
    void tls11IsRefusedAndTls12And13AreServed() throws Exception {
        try (HalbFixture halb = HalbFixture.start(config("auto"), Map.of("backend", backend))) {
            int port = halb.address("web").getPort();
            assertThat(sClient(port, "-tls1_2").exit).isZero();
            assertThat(sClient(port, "-tls1_3").exit).isZero();
            // ALPN: h2 first, then http/1.1
            assertThat(sClient(port, "-tls1_3", "-alpn", "h2,http/1.1").output).contains("ALPN protocol: h2");
            assertThat(sClient(port, "-tls1_2", "-alpn", "http/1.1").output).contains("ALPN protocol: http/1.1");
            // At security level 0 this openssl speaks TLS 1.1 (checked against `openssl s_server -tls1_1`):
            // the refusal is halb's.
            SClient old = sClient(port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
            assertThat(old.exit).as(old.output).isNotZero();
            assertThat(old.output).doesNotContain("BEGIN CERTIFICATE");
        }
    }

    @Test
    void aClientThatSendsNothingIsClosedAfterTheHandshakeTimeout() throws Exception {
        String yaml = config("auto").replace("tls_handshake: 5s", "tls_handshake: 300ms");
        try (HalbFixture halb = HalbFixture.start(yaml, Map.of("backend", backend));
             java.net.Socket s = new java.net.Socket()) {
            s.connect(halb.address("web"), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01}); // a ClientHello that never ends
            s.getOutputStream().flush();
            long start = System.nanoTime();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(9_000);
        }
    }

    record SClient(int exit, String output) {}

    static SClient sClient(int port, String... options) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "a.example.com"));
        if (List.of(options).contains("-sess_in") || List.of(options).contains("-sess_out")) {
            // TLS 1.3 tickets arrive after the handshake: a whole request and its answer make sure they did
            cmd.add("-ign_eof");
        }
        cmd.addAll(List.of(options));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (cmd.contains("-ign_eof")) {
            p.getOutputStream().write("GET / HTTP/1.1\r\nHost: a.example.com\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        }
        p.getOutputStream().close(); // EOF on stdin: s_client ends after the handshake
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new SClient(p.exitValue(), out);
    }
}

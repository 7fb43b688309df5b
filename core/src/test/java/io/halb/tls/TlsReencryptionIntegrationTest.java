package io.halb.tls;

import io.halb.balance.Endpoint;
import io.halb.testing.HalbFixture;
import io.halb.testing.TestCertificates;
import io.halb.testing.TlsBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class TlsReencryptionIntegrationTest {

    @TempDir
    static Path dir;
    static TestCertificates ca;
    static TestCertificates otherCa;
    static TlsBackend trusted;
    static TlsBackend untrusted;
    static TestCertificates.Pair halbClient;

    @BeforeAll
    static void backends() throws Exception {
        ca = TestCertificates.ca(dir, "ca");
        otherCa = TestCertificates.ca(dir, "other-ca");
        trusted = TlsBackend.start("trusted", ca.issue("app", "app.internal", "app.internal"));
        untrusted = TlsBackend.start("untrusted", otherCa.issue("rogue", "app.internal", "app.internal"));
        halbClient = ca.issue("halb-client", "halb", "halb.internal");
    }

    @AfterAll
    static void stop() throws Exception {
        if (trusted != null) {
            trusted.close();
        }
        if (untrusted != null) {
            untrusted.close();
        }
    }

    static final String CONFIG = """
            event_loops: 2
            listeners:
              - {name: web, bind: "127.0.0.1:0", pool: app}
            pools:
              - name: app
                retries: 0
                health: {type: http, path: /, interval: 200ms, timeout: 1s, rise: 1, fall: 1}
                tls: {ca_file: "{{ca}}", sni: {{sni}}}
                servers: [{name: s, address: "{{server}}"}]
            timeouts: {connect: 2s, server: 5s}
            """;

    static HttpResponse<String> get(HalbFixture halb) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(halb.uri("web", "/")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void requestsReachAServerWhoseCertificateVerifiesAgainstTheCa() throws Exception {
        try (HalbFixture halb = HalbFixture.start(CONFIG, Map.of("ca", ca.caCert(), "sni", "app.internal",
                "server", trusted))) {
            HttpResponse<String> r = get(halb);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("trusted");
            Endpoint e = halb.halb().endpoints("app").get(0);
            assertThat(e.healthy()).isTrue();
        }
    }

    @Test
    void aServerWhoseCertificateDoesNotVerifyGets502AndFailsItsHealthChecks() throws Exception {
        int before = untrusted.requests();
        try (HalbFixture halb = HalbFixture.start(CONFIG, Map.of("ca", ca.caCert(), "sni", "app.internal",
                "server", untrusted))) {
            HttpResponse<String> r = get(halb);
            assertThat(r.statusCode()).isIn(502, 503);
            assertThat(untrusted.requests()).isEqualTo(before);
            Endpoint e = halb.halb().endpoints("app").get(0);
            await().atMost(Duration.ofSeconds(10)).until(() -> !e.healthy());
        }
    }

    @Test
    void aCertificateForAnotherNameIsRefused() throws Exception {
        int before = trusted.requests();
        try (HalbFixture halb = HalbFixture.start(CONFIG, Map.of("ca", ca.caCert(), "sni", "wrong.internal",
                "server", trusted))) {
            assertThat(get(halb).statusCode()).isIn(502, 503);
            assertThat(trusted.requests()).isEqualTo(before);
        }
    }

    @Test
    void withoutSniTheServersAddressIsWhatItsCertificateMustName() throws Exception {
        // the test certificates also carry IP 127.0.0.1, the address the server is configured with
        String yaml = CONFIG.replace(", sni: {{sni}}}", "}");
        try (HalbFixture halb = HalbFixture.start(yaml, Map.of("ca", ca.caCert(), "server", trusted))) {
            assertThat(get(halb).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void presentsAClientCertificateToTheServers() throws Exception {
        String yaml = CONFIG.replace("sni: {{sni}}}", "sni: app.internal, cert: \"{{cert}}\", key: \"{{key}}\"}");
        try (TlsBackend strict = TlsBackend.requiringClientCertificates("strict", ca.issue("strict", "app.internal",
                "app.internal"), ca)) {
            try (HalbFixture halb = HalbFixture.start(yaml, Map.of("ca", ca.caCert(), "server", strict,
                    "cert", halbClient.cert(), "key", halbClient.key()))) {
                assertThat(get(halb).statusCode()).isEqualTo(200);
                assertThat(get(halb).body()).isEqualTo("strict");
            }
            // without a client certificate the same server refuses halb
            try (HalbFixture halb = HalbFixture.start(CONFIG, Map.of("ca", ca.caCert(), "sni", "app.internal",
                    "server", strict))) {
                assertThat(get(halb).statusCode()).isIn(502, 503);
            }
        }
    }
}

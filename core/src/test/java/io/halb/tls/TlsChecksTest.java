package io.halb.tls;

import io.halb.config.ConfigLoader;
import io.halb.config.HalbConfig;
import io.halb.server.FeatureGate;
import io.halb.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TlsChecksTest {

    @TempDir
    Path dir;

    @Test
    void namesTheKeyAndTheFileOfEveryCertificateThatCannotServe() throws Exception {
        TestCertificates ca = TestCertificates.ca(dir, "ca");
        TestCertificates.Pair a = ca.issue("a", "a.example.com", "a.example.com");
        TestCertificates.Pair b = ca.issue("b", "b.example.com", "b.example.com");
        Files.writeString(dir.resolve("halb.yaml"), """
                listeners:
                  - name: web
                    bind: 127.0.0.1:8443
                    pool: web
                    tls:
                      certificates:
                        - {cert: a.pem, key: a.key}
                        - {cert: a.pem, key: b.key}
                        - {cert: gone.pem, key: b.key}
                      client_auth: {ca_file: no-ca.pem, mode: required}
                pools:
                  - name: web
                    tls: {ca_file: ca.pem, cert: b.pem, key: a.key}
                    servers: [{name: s, address: 127.0.0.1:9443}]
                """);
        HalbConfig config = ConfigLoader.load(dir.resolve("halb.yaml"), Map.of());
        assertThat(TlsChecks.check(config)).hasSize(4).satisfiesExactly(
                e -> assertThat(e).contains("halb.yaml: listeners.web.tls.certificates[1]: ", b.key().toString(),
                        "does not match the certificate in " + a.cert()),
                e -> assertThat(e).contains("listeners.web.tls.certificates[2]: ", "gone.pem: cannot read: no such file"),
                e -> assertThat(e).contains("listeners.web.tls.client_auth.ca_file: ", "no-ca.pem: cannot read"),
                e -> assertThat(e).contains("pools.web.tls: ", "does not match"));
        assertThat(FeatureGate.check(config).errors()).hasSize(4);
    }

    @Test
    void aTcpListenerCannotUseAPoolThatSpeaksTls() throws Exception {
        HalbConfig config = ConfigLoader.parse("""
                listeners:
                  - {name: raw, bind: 127.0.0.1:8443, mode: tcp, pool: web}
                pools:
                  - {name: web, tls: {verify: none}, servers: [{name: s, address: 127.0.0.1:9443}]}
                """, Path.of("halb.yaml"), Map.of());
        assertThat(FeatureGate.check(config).errors()).singleElement().asString()
                .contains("listeners.raw.pool: pool 'web' has tls:");
    }

    @Test
    void theTlsExampleLoadsAndNamesItsMissingCertificates() throws Exception {
        HalbConfig config = ConfigLoader.load(Path.of("../examples/tls.yaml"), Map.of());
        assertThat(config.listeners()).hasSize(2);
        if (!Files.exists(Path.of("../examples/certs/site.pem"))) {
            assertThat(TlsChecks.check(config)).singleElement().asString()
                    .contains("listeners.https.tls.certificates[0]", "site.pem: cannot read");
        }
    }
}

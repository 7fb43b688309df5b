package io.halb.tls;

import io.halb.testing.HalbFixture;
import io.halb.testing.TestBackend;
import io.halb.testing.TestCertificates;
import io.halb.testing.TlsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class CertificateReloadIntegrationTest {

    @TempDir
    Path dir;

    @Test
    void replacedFilesServeTheNextHandshakeAndABrokenReplacementKeepsTheOldCertificate() throws Exception {
        TestCertificates ca = TestCertificates.ca(dir, "ca");
        TestCertificates.Pair first = ca.issue("first", "first.example.com", "www.example.com");
        TestCertificates.Pair second = ca.issue("second", "second.example.com", "www.example.com");
        TestCertificates.Pair third = ca.issue("third", "third.example.com", "www.example.com");
        TestCertificates.Pair live = new TestCertificates.Pair(dir.resolve("live.pem"), dir.resolve("live.key"));
        Files.copy(first.cert(), live.cert());
        Files.copy(first.key(), live.key());
        try (TestBackend backend = TestBackend.start("app");
             HalbFixture halb = HalbFixture.start("""
                     event_loops: 2
                     listeners:
                       - name: web
                         bind: "127.0.0.1:0"
                         pool: web
                         tls: {certificates: [{cert: "{{cert}}", key: "{{key}}"}]}
                     pools:
                       - {name: web, servers: [{name: app, address: "{{backend}}"}]}
                     """, Map.of("cert", live.cert(), "key", live.key(), "backend", backend))) {
            SSLContext client = ca.clientContext(null);
            var to = halb.address("web");
            assertThat(TlsClient.serverCn(client, to, "www.example.com")).isEqualTo("first.example.com");

            TestCertificates.replace(live, second);
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> TlsClient.serverCn(client, to, "www.example.com").equals("second.example.com"));
            assertThat(TlsClient.get(client, to, "www.example.com", "/")).startsWith("HTTP/1.1 200");

            // a certificate whose key is another's: refused, the previous pair keeps serving
            TestCertificates.copyAtomically(third.cert(), live.cert());
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> TlsClient.serverCn(client, to, "www.example.com").equals("second.example.com"));
            // an expired certificate with its own key: the same
            TestCertificates.Pair expired = ca.issueExpired("expired", "expired.example.com");
            TestCertificates.replace(live, expired);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                    .until(() -> TlsClient.serverCn(client, to, "www.example.com").equals("second.example.com"));
            TestCertificates.copyAtomically(third.cert(), live.cert());
            // an unreadable key: the same
            Files.delete(live.key());
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                    .until(() -> TlsClient.serverCn(client, to, "www.example.com").equals("second.example.com"));
            // the matching key arrives: the new pair serves
            TestCertificates.copyAtomically(third.key(), live.key());
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> TlsClient.serverCn(client, to, "www.example.com").equals("third.example.com"));
        }
    }
}

package io.halb.tls;

import io.halb.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CertifiedKeyTest {

    @TempDir
    Path dir;

    @Test
    void readsTheNamesOfACertificateAndChecksItsKey() throws Exception {
        TestCertificates ca = TestCertificates.ca(dir, "ca");
        TestCertificates.Pair b = ca.issue("b", "b.example.com", "b.example.com", "www.b.example.com");
        CertifiedKey k = CertifiedKey.load(b.cert(), b.key());
        assertThat(k.names()).containsExactly("b.example.com", "www.b.example.com");
        assertThat(k.subject()).isEqualTo("CN=b.example.com");
    }

    @Test
    void refusesAKeyThatDoesNotMatchAndNamesTheFiles() throws Exception {
        TestCertificates ca = TestCertificates.ca(dir, "ca");
        TestCertificates.Pair a = ca.issue("a", "a.example.com", "a.example.com");
        TestCertificates.Pair b = ca.issue("b", "b.example.com", "b.example.com");
        assertThatThrownBy(() -> CertifiedKey.load(a.cert(), b.key()))
                .isInstanceOf(CertificateProblem.class)
                .hasMessageContaining(b.key().toString()).hasMessageContaining("does not match");
        assertThatThrownBy(() -> CertifiedKey.load(dir.resolve("missing.pem"), a.key()))
                .hasMessageContaining("missing.pem: cannot read: no such file");
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        assertThatThrownBy(() -> CertifiedKey.load(garbage, a.key())).hasMessageContaining("no PEM certificate");
    }

    @Test
    void refusesAnExpiredCertificate() throws Exception {
        TestCertificates ca = TestCertificates.ca(dir, "ca");
        TestCertificates.Pair old = ca.issueExpired("old", "old.example.com");
        assertThatThrownBy(() -> CertifiedKey.load(old.cert(), old.key()))
                .isInstanceOf(CertificateProblem.class)
                .hasMessageContaining(old.cert().toString()).hasMessageContaining("certificate expired on 2020-01-02");
    }
}

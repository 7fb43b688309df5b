package io.halb.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS from halb to a pool's servers (re-encryption): how their certificates are verified, the
 * server name sent, and an optional client certificate (mutual TLS to the servers).
 *
 * @param verify  {@code required}: the chain must verify (against {@code caFile}, else the system
 *                trust store) and the certificate must name {@code sni} (else the server's host
 *                as written in its address); {@code none}: anything is accepted (testing only)
 * @param caFile  PEM certificates of the CAs the servers' certificates must chain to
 * @param sni     the name sent in the ClientHello and expected in the certificate
 * @param cert    halb's client certificate chain (PEM), with {@code key}
 * @param key     its private key (PKCS#8 PEM)
 */
public record UpstreamTlsConfig(Verify verify, Optional<Path> caFile, Optional<String> sni, Optional<Path> cert,
                                Optional<Path> key) {

    public UpstreamTlsConfig {
        Objects.requireNonNull(verify, "verify");
        Objects.requireNonNull(caFile, "caFile");
        Objects.requireNonNull(sni, "sni");
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
        if (verify == Verify.NONE && caFile.isPresent()) {
            throw new IllegalArgumentException("ca_file: given with verify: none (expected: one or the other)");
        }
        if (cert.isPresent() != key.isPresent()) {
            throw new IllegalArgumentException((cert.isPresent() ? "key" : "cert")
                    + ": missing (a client certificate needs both cert and key)");
        }
        if (sni.isPresent() && (sni.get().isBlank() || sni.get().contains(" "))) {
            throw new IllegalArgumentException("sni: '" + sni.get() + "' (expected: a host name such as api.internal)");
        }
    }

    public enum Verify { REQUIRED, NONE }
}

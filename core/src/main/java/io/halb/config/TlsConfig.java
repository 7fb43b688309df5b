package io.halb.config;

import java.nio.file.Path;
import java.util.List;

/** TLS termination on a listener: certificates picked by SNI from the names they carry. */
public record TlsConfig(List<Certificate> certificates) {

    public TlsConfig {
        certificates = List.copyOf(certificates);
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("certificates: empty (expected: at least one {cert, key})");
        }
    }

    /** A PEM certificate chain and its private key. */
    public record Certificate(Path cert, Path key) {}
}

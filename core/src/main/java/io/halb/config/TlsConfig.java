package io.halb.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS termination on a listener: certificates picked by SNI from the names they carry (the first
 * one for clients that send no name or a name no certificate carries), optionally client
 * certificates checked against a CA.
 *
 * @param provider   which TLS implementation; {@link Provider#AUTO} = OpenSSL where it loads, else the JDK
 * @param clientAuth whether clients must (or may) present a certificate, and where its subject goes
 */
public record TlsConfig(List<Certificate> certificates, Optional<ClientAuth> clientAuth, Provider provider) {

    public TlsConfig {
        certificates = List.copyOf(certificates);
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("certificates: empty (expected: at least one {cert, key})");
        }
        Objects.requireNonNull(clientAuth, "clientAuth");
        Objects.requireNonNull(provider, "provider");
    }

    /** Server certificates only, the provider chosen automatically. */
    public TlsConfig(List<Certificate> certificates) {
        this(certificates, Optional.empty(), Provider.AUTO);
    }

    /** A PEM certificate chain and its private key (PKCS#8 PEM). */
    public record Certificate(Path cert, Path key) {
        public Certificate {
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
        }
    }

    /** The TLS implementation: OpenSSL (BoringSSL through netty-tcnative) or the JDK's. */
    public enum Provider { AUTO, OPENSSL, JDK }

    /**
     * Client certificates on a listener.
     *
     * @param caFile the PEM certificates of the CAs a client certificate must chain to
     * @param mode   {@code required}: a client without a valid certificate fails the handshake;
     *               {@code optional}: one is asked for, and checked if presented
     * @param header the request header that carries the verified client certificate's subject to
     *               the server; a client-sent header of that name is always removed
     */
    public record ClientAuth(Path caFile, Mode mode, Optional<String> header) {
        public ClientAuth {
            Objects.requireNonNull(caFile, "caFile");
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(header, "header");
            if (header.isPresent() && !header.get().matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                throw new IllegalArgumentException("header: '" + header.get() + "' (expected: a header name such as X-Client-Cert-Subject)");
            }
        }

        public enum Mode { OPTIONAL, REQUIRED }
    }
}

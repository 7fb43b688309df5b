package io.halb.tls;

import io.halb.config.TlsConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

import java.util.List;

/**
 * Which TLS implementation serves: OpenSSL (BoringSSL through netty-tcnative) where its native
 * library loads, the JDK's otherwise; and the protocol versions and cipher suites halb allows.
 */
public final class TlsProviders {

    /** TLS 1.2 and 1.3 only: 1.0 and 1.1 are deprecated (RFC 8996). */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /**
     * AEAD suites with forward secrecy only (Mozilla's "intermediate" list); the TLS 1.3 suites
     * are all AEAD. IANA names: Netty maps them to OpenSSL's.
     */
    static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsProviders() {}

    /** The provider for a configured choice; {@code openssl} where it does not load is an error. */
    public static SslProvider of(TlsConfig.Provider choice) {
        return switch (choice) {
            case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
            case JDK -> SslProvider.JDK;
            case OPENSSL -> {
                if (!OpenSsl.isAvailable()) {
                    throw new IllegalArgumentException("provider: openssl does not load here ("
                            + OpenSsl.unavailabilityCause() + "); use auto or jdk");
                }
                yield SslProvider.OPENSSL;
            }
        };
    }

    /** One line for the start-up log: which provider {@code auto} picks, and why. */
    public static String describe() {
        if (OpenSsl.isAvailable()) {
            return "tls provider openssl (" + OpenSsl.versionString() + ")";
        }
        return "tls provider jdk (openssl unavailable: " + OpenSsl.unavailabilityCause() + ")";
    }

    static String name(SslProvider provider) {
        return provider == SslProvider.JDK ? "jdk" : "openssl";
    }
}

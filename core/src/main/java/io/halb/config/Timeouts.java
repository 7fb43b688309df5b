package io.halb.config;

import java.time.Duration;

/**
 * Every time limit of the proxy.
 *
 * @param connect      opening a connection to a server
 * @param headerRead   a client's whole request head must arrive within this
 * @param clientIdle   an idle keep-alive client connection closes after this
 * @param server       a server must start answering (and keep answering) within this, else 504
 * @param upstreamIdle an idle pooled server connection closes after this
 * @param shutdown     on SIGTERM, how long in-flight requests may take before halb exits anyway
 * @param tlsHandshake a TLS client must send its ClientHello, and finish the handshake, within this
 */
public record Timeouts(Duration connect, Duration headerRead, Duration clientIdle, Duration server,
                       Duration upstreamIdle, Duration shutdown, Duration tlsHandshake) {

    public static final Duration DEFAULT_TLS_HANDSHAKE = Duration.ofSeconds(10);

    public static final Timeouts DEFAULTS = new Timeouts(Duration.ofSeconds(3), Duration.ofSeconds(10),
            Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(30),
            DEFAULT_TLS_HANDSHAKE);

    public Timeouts {
        positive("connect", connect);
        positive("header_read", headerRead);
        positive("client_idle", clientIdle);
        positive("server", server);
        positive("upstream_idle", upstreamIdle);
        positive("tls_handshake", tlsHandshake);
        if (shutdown.isNegative()) {
            throw new IllegalArgumentException("shutdown: " + shutdown + " (expected: >= 0)");
        }
    }

    /** Timeouts with the default TLS handshake limit. */
    public Timeouts(Duration connect, Duration headerRead, Duration clientIdle, Duration server,
                    Duration upstreamIdle, Duration shutdown) {
        this(connect, headerRead, clientIdle, server, upstreamIdle, shutdown, DEFAULT_TLS_HANDSHAKE);
    }

    private static void positive(String key, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(key + ": " + d + " (expected: > 0)");
        }
    }
}

package io.halb.server;

import io.halb.config.HalbConfig;
import io.halb.config.ListenerConfig;
import io.halb.config.Mode;
import io.halb.config.PoolConfig;
import io.halb.config.SniRouteConfig;
import io.halb.tls.TlsChecks;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks that need more than the configuration's syntax: what a valid configuration asks for that
 * cannot be served. A tcp listener cannot originate TLS to a pool's servers, and TLS files that
 * cannot serve (unreadable, expired, a key that does not match its certificate) would fail the
 * first handshake, so those are errors, reported by {@code validate} and refused by a reload.
 * Warnings are for what works, but less well than asked.
 */
public final class FeatureGate {

    /** What the configuration asks for that cannot be honoured. */
    public record Findings(List<String> errors, List<String> warnings) {
        public Findings {
            errors = List.copyOf(errors);
            warnings = List.copyOf(warnings);
        }
    }

    private FeatureGate() {}

    public static Findings check(HalbConfig config) {
        List<String> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        String file = config.source().toString();
        for (ListenerConfig l : config.listeners()) {
            if (l.mode() == Mode.TCP) {
                tcpPoolWithTls(config, l.pool(), file + ": listeners." + l.name() + ".pool", errors);
                for (SniRouteConfig r : l.sniRoutes()) {
                    tcpPoolWithTls(config, r.pool(), file + ": listeners." + l.name() + ".sni_routes", errors);
                }
            }
        }
        // Certificates that cannot be read or do not match their keys: named with file and key.
        errors.addAll(TlsChecks.check(config));
        return new Findings(errors, warnings);
    }

    /** A tcp listener relays bytes: it cannot originate TLS to a pool's servers. */
    private static void tcpPoolWithTls(HalbConfig config, String pool, String at, List<String> errors) {
        for (PoolConfig p : config.pools()) {
            if (p.name().equals(pool) && p.tls().isPresent()) {
                errors.add(at + ": pool '" + pool + "' has tls:, which only http listeners use (a tcp listener "
                        + "relays bytes as they are: pass TLS through, or use mode http)");
            }
        }
    }
}

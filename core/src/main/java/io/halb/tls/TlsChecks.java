package io.halb.tls;

import io.halb.config.HalbConfig;
import io.halb.config.ListenerConfig;
import io.halb.config.PoolConfig;
import io.halb.config.TlsConfig;
import io.halb.config.UpstreamTlsConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the TLS files a configuration names, the way {@code halb validate} and a reload need:
 * each certificate readable, valid now and matching its key; each CA file readable. Every problem
 * is one line naming the configuration file, the key and the certificate file. Blocking file I/O.
 */
public final class TlsChecks {

    private TlsChecks() {}

    /** Every problem with the TLS files of {@code config}; empty when they are all usable. */
    public static List<String> check(HalbConfig config) {
        List<String> errors = new ArrayList<>();
        String file = config.source().toString();
        for (ListenerConfig l : config.listeners()) {
            if (l.tls().isEmpty()) {
                continue;
            }
            TlsConfig tls = l.tls().get();
            String at = file + ": listeners." + l.name() + ".tls";
            try {
                TlsProviders.of(tls.provider());
            } catch (IllegalArgumentException e) {
                errors.add(at + "." + e.getMessage());
            }
            List<TlsConfig.Certificate> certs = tls.certificates();
            for (int i = 0; i < certs.size(); i++) {
                pair(errors, at + ".certificates[" + i + "]", certs.get(i).cert(), certs.get(i).key());
            }
            tls.clientAuth().ifPresent(a -> ca(errors, at + ".client_auth.ca_file", a.caFile()));
        }
        for (PoolConfig p : config.pools()) {
            if (p.tls().isEmpty()) {
                continue;
            }
            UpstreamTlsConfig tls = p.tls().get();
            String at = file + ": pools." + p.name() + ".tls";
            tls.caFile().ifPresent(ca -> ca(errors, at + ".ca_file", ca));
            if (tls.cert().isPresent()) {
                pair(errors, at, tls.cert().get(), tls.key().get());
            }
        }
        return errors;
    }

    private static void pair(List<String> errors, String at, Path cert, Path key) {
        try {
            CertifiedKey.load(cert, key);
        } catch (CertificateProblem e) {
            errors.add(at + ": " + e.getMessage());
        }
    }

    private static void ca(List<String> errors, String at, Path file) {
        try {
            PemFiles.certificates(file);
        } catch (CertificateProblem e) {
            errors.add(at + ": " + e.getMessage());
        }
    }
}

package io.halb.server;

import io.halb.config.HalbConfig;
import io.halb.config.ListenerConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * What a valid configuration asks for that this build does not do yet. Serving plaintext where the
 * operator wrote {@code tls:} would be worse than refusing to start, so that is an error.
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
            if (l.tls().isPresent()) {
                errors.add(file + ": listeners." + l.name() + ".tls: TLS termination is not available in this build yet");
            }
            if (!l.sniRoutes().isEmpty()) {
                errors.add(file + ": listeners." + l.name() + ".sni_routes: TLS pass-through by SNI is not available in this build yet");
            }
        }
        return new Findings(errors, warnings);
    }
}

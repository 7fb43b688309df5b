package io.halb.config;

import java.util.Locale;

/** A TLS pass-through route: connections whose ClientHello names {@code sni} go to {@code pool}. */
public record SniRouteConfig(String sni, String pool) {

    public SniRouteConfig {
        if (sni == null || sni.isBlank()) {
            throw new IllegalArgumentException("sni: empty (expected: a name such as api.example.com or *.example.com)");
        }
        sni = sni.toLowerCase(Locale.ROOT);
        Names.check("pool", pool);
    }
}

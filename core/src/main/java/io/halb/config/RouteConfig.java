package io.halb.config;

import java.util.Locale;
import java.util.Optional;

/**
 * An HTTP route: requests whose Host and path match go to {@code pool}. An absent condition matches
 * everything. Host matching is case-insensitive and ignores the port; {@code *.example.com} matches
 * any one or more labels before {@code example.com}.
 */
public record RouteConfig(Optional<String> host, Optional<String> pathPrefix, String pool) {

    public RouteConfig {
        host = host.map(h -> h.toLowerCase(Locale.ROOT));
        pathPrefix.ifPresent(p -> {
            if (!p.startsWith("/")) {
                throw new IllegalArgumentException("path_prefix: '" + p + "' (expected: starts with /)");
            }
        });
        Names.check("pool", pool);
    }
}

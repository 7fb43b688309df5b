package io.halb.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The admin listener: dashboard, REST API and {@code /metrics}.
 *
 * @param tokenFile a file holding the bearer token every write must present
 */
public record AdminConfig(HostPort bind, Optional<Path> tokenFile) {

    public static final HostPort DEFAULT_BIND = new HostPort("127.0.0.1", 9090);

    public AdminConfig {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(tokenFile, "tokenFile");
    }

    public static AdminConfig defaults() {
        return new AdminConfig(DEFAULT_BIND, Optional.empty());
    }
}

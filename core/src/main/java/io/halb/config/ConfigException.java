package io.halb.config;

import java.util.List;
import java.util.stream.Collectors;

/** A configuration that cannot be used, with every error found in it. */
public final class ConfigException extends Exception {

    private final List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")), null, false, false);
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("errors: empty");
        }
        this.errors = List.copyOf(errors);
    }

    public List<ConfigError> errors() {
        return errors;
    }
}

package io.halb.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * Reads a YAML configuration into a validated {@link HalbConfig}, or reports every error at once
 * with file, line and key. Stateless; safe from any thread (never call it on an event loop: it
 * reads files).
 */
public final class ConfigLoader {

    private ConfigLoader() {}

    /** Loads a file, substituting {@code ${NAME}} from the process environment. */
    public static HalbConfig load(Path file) throws ConfigException {
        return load(file, System.getenv());
    }

    /** Loads a file, substituting {@code ${NAME}} from {@code env}. */
    public static HalbConfig load(Path file, Map<String, String> env) throws ConfigException {
        throw new UnsupportedOperationException("TODO");
    }

    /** Parses YAML text; {@code source} names it in errors and relative paths resolve against its parent. */
    public static HalbConfig parse(String yaml, Path source, Map<String, String> env) throws ConfigException {
        throw new UnsupportedOperationException("TODO");
    }
}

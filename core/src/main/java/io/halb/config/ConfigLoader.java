package io.halb.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads a YAML configuration into a validated {@link HalbConfig}, or reports every error at once
 * with file, line and key. Stateless; safe from any thread (never call it on an event loop: it
 * reads files).
 *
 * <p>Loading runs in three steps, each collecting errors rather than stopping at the first:
 * Jackson's YAML tokens become a tree that remembers positions ({@link YamlReader}), with
 * {@code ${NAME}} substituted in scalar values; the tree is bound to the records
 * ({@link ConfigBinder}); then references between records are checked. Relative paths in the file
 * ({@code token_file}, certificates) resolve against the file's directory.
 */
public final class ConfigLoader {

    private ConfigLoader() {}

    /** Loads a file, substituting {@code ${NAME}} from the process environment. */
    public static HalbConfig load(Path file) throws ConfigException {
        return load(file, System.getenv());
    }

    /** Loads a file, substituting {@code ${NAME}} from {@code env}. */
    public static HalbConfig load(Path file, Map<String, String> env) throws ConfigException {
        Objects.requireNonNull(file, "file");
        String yaml;
        try {
            yaml = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw unreadable(file, "no such file");
        } catch (AccessDeniedException e) {
            throw unreadable(file, "cannot read: permission denied");
        } catch (IOException e) {
            throw unreadable(file, "cannot read: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
        if (!isUtf8(yaml)) {
            throw unreadable(file, "not UTF-8 text");
        }
        return parse(yaml, file, env);
    }

    /** Parses YAML text; {@code source} names it in errors and relative paths resolve against its parent. */
    public static HalbConfig parse(String yaml, Path source, Map<String, String> env) throws ConfigException {
        Objects.requireNonNull(yaml, "yaml");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(env, "env");
        ConfigErrors errors = new ConfigErrors(source);
        YamlNode root = new YamlReader(errors, new EnvSubstitution(env)).read(yaml);
        HalbConfig config = null;
        if (root != null) {
            config = new ConfigBinder(new Binder(errors, baseDir(source)), source).bind(root);
        }
        errors.throwIfAny();
        if (config == null) {
            // Unreachable while every null from the binder comes with an error; guard the contract anyway.
            throw new ConfigException(List.of(new ConfigError(source, 0, 0, "", "invalid configuration")));
        }
        return config;
    }

    /** Parses YAML text with no environment: any {@code ${NAME}} without a default is an error. */
    public static HalbConfig parse(String yaml, Path source) throws ConfigException {
        return parse(yaml, source, Map.of());
    }

    private static Path baseDir(Path source) {
        Path parent = source.toAbsolutePath().getParent();
        return parent == null ? source.toAbsolutePath() : parent;
    }

    private static ConfigException unreadable(Path file, String why) {
        return new ConfigException(List.of(new ConfigError(file, 0, 0, "", why)));
    }

    private static boolean isUtf8(String decoded) {
        // new String(bytes, UTF_8) replaces malformed input with U+FFFD rather than failing.
        return decoded.indexOf('\uFFFD') < 0;
    }
}

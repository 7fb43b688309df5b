package io.halb.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The errors found so far in one configuration file. Loading goes on after an error so that the
 * operator sees every problem in one run. Not thread-safe: one per load.
 */
final class ConfigErrors {

    private final Path file;
    private final List<ConfigError> errors = new ArrayList<>();

    ConfigErrors(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    void add(int line, int column, String key, String message) {
        errors.add(new ConfigError(file, line, column, key, message));
    }

    void add(YamlNode at, String key, String message) {
        add(at.line(), at.column(), key, message);
    }

    void add(YamlNode.Entry at, String key, String message) {
        add(at.line(), at.column(), key, message);
    }

    int size() {
        return errors.size();
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    /** In file order, so that the list reads top to bottom like the file; ties keep discovery order. */
    List<ConfigError> sorted() {
        List<ConfigError> copy = new ArrayList<>(errors);
        copy.sort(Comparator.comparingInt(ConfigError::line).thenComparingInt(ConfigError::column));
        return copy;
    }

    void throwIfAny() throws ConfigException {
        if (!errors.isEmpty()) {
            throw new ConfigException(sorted());
        }
    }
}

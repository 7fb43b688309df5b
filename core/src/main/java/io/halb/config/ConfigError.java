package io.halb.config;

import java.nio.file.Path;

/**
 * One error in a configuration file, located precisely enough for an operator to fix it.
 *
 * @param key  the dotted path of the offending key, e.g. {@code pools[0].servers[1].weight}
 * @param line 1-based; 0 when the error has no position (e.g. the file cannot be read)
 */
public record ConfigError(Path file, int line, int column, String key, String message) {

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(file);
        if (line > 0) {
            sb.append(':').append(line).append(':').append(column);
        }
        sb.append(": ");
        if (!key.isEmpty()) {
            sb.append(key).append(": ");
        }
        return sb.append(message).toString();
    }
}

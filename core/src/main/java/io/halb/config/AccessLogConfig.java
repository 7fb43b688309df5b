package io.halb.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how halb writes its access log: one line per HTTP request or TCP session.
 *
 * @param file   the log file; empty = standard output
 * @param format the line format
 */
public record AccessLogConfig(Optional<Path> file, Format format) {

    public AccessLogConfig {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(format, "format");
    }

    /** The line format of an access log. */
    public enum Format {
        /** Apache/NGINX combined log format followed by halb's fields as {@code key=value}. */
        COMBINED,
        /** One JSON object per line. */
        JSON
    }
}

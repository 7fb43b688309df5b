package io.halb.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link ResourceAgent} runs.
 *
 * @param bindHost       the address to listen on, e.g. {@code 0.0.0.0}
 * @param port           the port to listen on, 0 for any free one
 * @param formula        how metrics become a weight
 * @param sampleInterval how often metrics and the state file are read, 100 ms..1 h
 * @param stateFile      a file whose first word, if it exists, is the state to announce
 */
public record AgentOptions(String bindHost, int port, WeightFormula formula, Duration sampleInterval,
                           Optional<Path> stateFile) {

    public static final int DEFAULT_PORT = 9777;

    public AgentOptions {
        Objects.requireNonNull(bindHost, "bindHost");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        Objects.requireNonNull(formula, "formula");
        if (sampleInterval.toMillis() < 100 || sampleInterval.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("interval: " + sampleInterval + " (expected: 100ms..1h)");
        }
        Objects.requireNonNull(stateFile, "stateFile");
    }
}

package io.halb.config;

import java.time.Duration;

/** Polling of a resource agent on each server's host (HAProxy's agent-check text protocol). */
public record AgentConfig(int port, Duration interval) {

    public AgentConfig {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
        if (interval.toMillis() < 100) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: >= 100ms)");
        }
    }
}

package io.halb.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Active health checks of a pool's servers. Defaults are HAProxy's: every 2 s, up after 2 good
 * checks, down after 3 bad ones.
 *
 * @param path         http only: the request path
 * @param expectStatus http only: statuses that count as healthy
 */
public record HealthConfig(Type type, String path, StatusRange expectStatus,
                           Duration interval, Duration timeout, int rise, int fall) {

    public enum Type { NONE, TCP, HTTP }

    public static final HealthConfig NONE = new HealthConfig(Type.NONE, "/", new StatusRange(200, 399),
            Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3);

    public HealthConfig {
        Objects.requireNonNull(type, "type");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path: '" + path + "' (expected: starts with /)");
        }
        Objects.requireNonNull(expectStatus, "expectStatus");
        if (interval.toMillis() < 10) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: >= 10ms)");
        }
        if (timeout.toMillis() < 1) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 1ms)");
        }
        if (rise < 1 || rise > 100) {
            throw new IllegalArgumentException("rise: " + rise + " (expected: 1..100)");
        }
        if (fall < 1 || fall > 100) {
            throw new IllegalArgumentException("fall: " + fall + " (expected: 1..100)");
        }
    }

    /** An inclusive range of HTTP statuses, written {@code 200} or {@code 200-399}. */
    public record StatusRange(int low, int high) {
        public StatusRange {
            if (low < 100 || high > 599 || low > high) {
                throw new IllegalArgumentException("expect_status: " + low + "-" + high + " (expected: 100..599, low <= high)");
            }
        }

        public boolean contains(int status) {
            return status >= low && status <= high;
        }

        public static StatusRange parse(String text) {
            String s = text.trim();
            int dash = s.indexOf('-');
            try {
                if (dash < 0) {
                    int v = Integer.parseInt(s);
                    return new StatusRange(v, v);
                }
                return new StatusRange(Integer.parseInt(s.substring(0, dash).trim()),
                        Integer.parseInt(s.substring(dash + 1).trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expect_status: '" + text + "' (expected: 200 or 200-399)");
            }
        }
    }
}

package io.halb.config;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Active health checks of a pool's servers. Defaults are HAProxy's: every 2 s, up after 2 good
 * checks, down after 3 bad ones.
 *
 * @param method         http only: the request method
 * @param path           http only: the request path
 * @param host           http only: the Host header; empty = the server's address host (and port)
 * @param expectStatuses http only: statuses that count as healthy; a status in any range passes
 * @param expectBody     http only: a substring the body must contain within its first
 *                       {@value #MAX_BODY_BYTES} bytes; empty = the status alone decides
 */
public record HealthConfig(Type type, Method method, String path, Optional<String> host,
                           List<StatusRange> expectStatuses, Optional<String> expectBody,
                           Duration interval, Duration timeout, int rise, int fall) {

    public enum Type { NONE, TCP, HTTP }

    /** The methods a check may send: none of them has a request body or changes the server. */
    public enum Method {
        GET, HEAD, OPTIONS;

        /** {@code GET}, {@code head}...: HTTP methods are upper case, but a config value need not be. */
        public static Method parse(String text) {
            String s = text.trim().toUpperCase(Locale.ROOT);
            for (Method m : values()) {
                if (m.name().equals(s)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("method: '" + text + "' (expected one of: GET, HEAD, OPTIONS)");
        }
    }

    /** How much of a body {@link #expectBody} is searched in. */
    public static final int MAX_BODY_BYTES = 64 * 1024;
    /** The longest {@link #expectBody}, in UTF-8 bytes. */
    public static final int MAX_EXPECT_BODY_BYTES = 1024;

    public static final List<StatusRange> DEFAULT_EXPECT_STATUSES = List.of(new StatusRange(200, 399));

    public static final HealthConfig NONE = new HealthConfig(Type.NONE, "/", new StatusRange(200, 399),
            Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3);

    public HealthConfig {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(method, "method");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path: '" + path + "' (expected: starts with /)");
        }
        if (path.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw new IllegalArgumentException("path: '" + path + "' (expected: no spaces or control characters; "
                    + "percent-encode them)");
        }
        Objects.requireNonNull(host, "host");
        host.ifPresent(HealthConfig::checkHost);
        expectStatuses = List.copyOf(expectStatuses);
        if (expectStatuses.isEmpty()) {
            throw new IllegalArgumentException("expect_status: empty (expected: at least one status or range)");
        }
        Objects.requireNonNull(expectBody, "expectBody");
        expectBody.ifPresent(HealthConfig::checkExpectBody);
        if (expectBody.isPresent() && method == Method.HEAD) {
            throw new IllegalArgumentException("expect_body: '" + expectBody.get() + "' with method HEAD "
                    + "(expected: method GET or OPTIONS; a response to HEAD has no body)");
        }
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

    /** A check with one range of statuses, {@code GET}, the default Host and no body check. */
    public HealthConfig(Type type, String path, StatusRange expectStatus,
                        Duration interval, Duration timeout, int rise, int fall) {
        this(type, Method.GET, path, Optional.empty(), List.of(expectStatus), Optional.empty(),
                interval, timeout, rise, fall);
    }

    /** The first range of {@link #expectStatuses}, the only one unless the file lists several. */
    public StatusRange expectStatus() {
        return expectStatuses.get(0);
    }

    /** Whether {@code status} counts as healthy. */
    public boolean expectsStatus(int status) {
        for (StatusRange r : expectStatuses) {
            if (r.contains(status)) {
                return true;
            }
        }
        return false;
    }

    /** {@link #expectStatuses} as written in the file: {@code 200-299, 302}. */
    public String expectStatusText() {
        List<String> parts = new ArrayList<>(expectStatuses.size());
        for (StatusRange r : expectStatuses) {
            parts.add(r.toString());
        }
        return String.join(", ", parts);
    }

    /** Goes into a request head as is, so it must not be able to end a line or hold a space. */
    private static void checkHost(String host) {
        if (host.isEmpty() || host.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw new IllegalArgumentException("host: '" + host + "' (expected: a host name or address, "
                    + "optionally with :port, no spaces)");
        }
    }

    private static void checkExpectBody(String body) {
        if (body.isEmpty()) {
            throw new IllegalArgumentException("expect_body: empty (expected: the text a healthy body contains)");
        }
        int bytes = body.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_EXPECT_BODY_BYTES) {
            throw new IllegalArgumentException("expect_body: " + bytes + " bytes (expected: at most "
                    + MAX_EXPECT_BODY_BYTES + ")");
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
                throw new IllegalArgumentException("expect_status: '" + text
                        + "' (expected: 200, 200-399 or a list of them such as [200-299, 302])");
            }
        }

        @Override
        public String toString() {
            return low == high ? Integer.toString(low) : low + "-" + high;
        }
    }
}

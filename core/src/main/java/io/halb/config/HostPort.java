package io.halb.config;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A {@code host:port} or {@code [v6]:port} address as written in the configuration. The host may be
 * a name; it is resolved when a snapshot is built, never on an event loop.
 */
public record HostPort(String host, int port) {

    public HostPort {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host: empty (expected: a name or an IP address)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
    }

    /** Parses {@code host:port}, {@code [v6]:port} or {@code *:port} (any address). */
    public static HostPort parse(String text) {
        String s = text.trim();
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "' (expected: [v6]:port)");
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || s.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + text + "' (expected: host:port or [v6]:port)");
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
        }
        if (host.equals("*")) {
            host = "0.0.0.0";
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': port '" + port + "' is not a number");
        }
        return new HostPort(host, p);
    }

    /** An unresolved socket address; resolve it off the event loops. */
    public InetSocketAddress toUnresolved() {
        return InetSocketAddress.createUnresolved(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}

package io.halb.health;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A server to check actively: its pool, its name and its resolved address.
 *
 * @param pool    the server's pool; server names are unique within a pool only
 * @param server  the server's name
 * @param address the server's resolved address; resolve it off the event loops, before
 *                {@link HealthChecker#start}. When it was made from a host name
 *                ({@code new InetSocketAddress("web1.internal", 8080)}) that name is the default
 *                Host header of an http check.
 */
public record HealthTarget(String pool, String server, InetSocketAddress address) {

    public HealthTarget {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("address: " + address + " (expected: a resolved address)");
        }
    }

    /**
     * The Host header an http check sends when the configuration names none: the address's host as
     * written (name or literal, IPv6 in brackets) and its port unless it is 80 (RFC 9110 §7.2).
     */
    public String defaultHostHeader() {
        String host = address.getHostString();
        if (address.getAddress() instanceof Inet6Address && host.indexOf(':') >= 0) {
            int zone = host.indexOf('%');
            host = "[" + (zone < 0 ? host : host.substring(0, zone)) + "]";
        }
        return address.getPort() == 80 ? host : host + ":" + address.getPort();
    }

    @Override
    public String toString() {
        return pool + "/" + server;
    }
}

package io.halb.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An address block such as {@code 10.0.0.0/8} or {@code ::1/128}; a bare address is a block of
 * one. Only literal addresses are accepted: nothing is resolved.
 */
public record Cidr(InetAddress network, int prefix) {

    public Cidr {
        int max = network.getAddress().length * 8;
        if (prefix < 0 || prefix > max) {
            throw new IllegalArgumentException("prefix: " + prefix + " (expected: 0.." + max + ")");
        }
    }

    /** Parses {@code address[/prefix]}. */
    public static Cidr parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        if (addr.isEmpty() || !(addr.indexOf(':') >= 0 || Character.isDigit(addr.charAt(0)))) {
            throw new IllegalArgumentException("'" + text + "' (expected: an address block such as 10.0.0.0/8 or ::1/128)");
        }
        InetAddress network;
        try {
            // A literal never triggers a lookup; names were refused above.
            network = InetAddress.getByName(addr);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' (expected: an address block such as 10.0.0.0/8 or ::1/128)");
        }
        int max = network.getAddress().length * 8;
        int prefix;
        try {
            prefix = slash < 0 ? max : Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': prefix is not a number");
        }
        return new Cidr(network, prefix);
    }

    /** Whether {@code address} lies in this block (an IPv4 address never lies in an IPv6 block). */
    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        byte[] n = network.getAddress();
        if (a.length != n.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != n[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (a[full] & mask) == (n[full] & mask);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefix;
    }
}

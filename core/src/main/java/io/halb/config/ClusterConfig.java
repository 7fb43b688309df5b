package io.halb.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Membership of this node in a cluster of halb nodes and the virtual IPs they share.
 *
 * @param track   addresses this node must reach (TCP connect) to be allowed to hold a VIP; empty = no check
 * @param command the default {@code driver: exec} command of the VIPs, if any
 */
public record ClusterConfig(String node, HostPort bind, List<HostPort> peers, ClusterMode mode,
                            int priority, boolean preempt, List<VipConfig> vips, List<HostPort> track,
                            Optional<String> command) {

    public enum ClusterMode { ACTIVE_STANDBY, ACTIVE_ACTIVE }

    public ClusterConfig {
        Names.check("node", node);
        Objects.requireNonNull(bind, "bind");
        peers = List.copyOf(peers);
        Objects.requireNonNull(mode, "mode");
        if (priority < 0 || priority > 255) {
            throw new IllegalArgumentException("priority: " + priority + " (expected: 0..255)");
        }
        vips = List.copyOf(vips);
        track = List.copyOf(track);
        Objects.requireNonNull(command, "command");
    }

    /** The configuration without {@code track} and {@code command}, as first written. */
    public ClusterConfig(String node, HostPort bind, List<HostPort> peers, ClusterMode mode,
                         int priority, boolean preempt, List<VipConfig> vips) {
        this(node, bind, peers, mode, priority, preempt, vips, List.of(), Optional.empty());
    }

    /** The number of nodes the configuration names: this one and its peers. */
    public int configuredNodes() {
        return peers.size() + 1;
    }

    /**
     * A virtual IP.
     *
     * @param address   {@code 198.18.0.100/24} or a bare address
     * @param driver    linux | exec | none
     * @param prefer    the node that should hold it whenever that node is live and allowed to, if any
     * @param command   for {@code driver: exec}: the command run on take and release, if set here
     */
    public record VipConfig(String address, String iface, Driver driver, Optional<String> prefer,
                            Optional<String> command) {
        public enum Driver { LINUX, EXEC, NONE }

        public VipConfig {
            if (address == null || address.isBlank()) {
                throw new IllegalArgumentException("address: empty (expected: 198.18.0.100/24)");
            }
            Objects.requireNonNull(driver, "driver");
            Objects.requireNonNull(prefer, "prefer");
            Objects.requireNonNull(command, "command");
        }

        public VipConfig(String address, String iface, Driver driver) {
            this(address, iface, driver, Optional.empty(), Optional.empty());
        }

        /** The address without its {@code /prefix}: what a listener's bind host is compared with. */
        public String host() {
            int slash = address.indexOf('/');
            return slash < 0 ? address : address.substring(0, slash);
        }

        /** The address with a prefix ({@code /32} or {@code /128} when none was written), as {@code ip addr} takes it. */
        public String cidr() {
            return address.indexOf('/') >= 0 ? address : address + (address.indexOf(':') >= 0 ? "/128" : "/32");
        }
    }
}

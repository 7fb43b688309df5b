package io.halb.config;

import java.util.List;
import java.util.Objects;

/** Membership of this node in a cluster of halb nodes and the virtual IPs they share. */
public record ClusterConfig(String node, HostPort bind, List<HostPort> peers, ClusterMode mode,
                            int priority, boolean preempt, List<VipConfig> vips) {

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
    }

    /**
     * A virtual IP.
     *
     * @param address   {@code 198.18.0.100/24} or a bare address
     * @param driver    linux | exec | none
     */
    public record VipConfig(String address, String iface, Driver driver) {
        public enum Driver { LINUX, EXEC, NONE }

        public VipConfig {
            if (address == null || address.isBlank()) {
                throw new IllegalArgumentException("address: empty (expected: 198.18.0.100/24)");
            }
            Objects.requireNonNull(driver, "driver");
        }
    }
}

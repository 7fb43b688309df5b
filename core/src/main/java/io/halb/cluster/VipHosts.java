package io.halb.cluster;

import io.halb.config.ClusterConfig;
import io.halb.config.ClusterConfig.VipConfig;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * How the server binds a listener whose host is a VIP's address: with {@code driver: none} it is
 * gated (bound only while this node holds the VIP); with {@code linux} or {@code exec} it is bound
 * from the start with IP_FREEBIND, so taking the VIP never has to rebind anything. Immutable.
 */
public final class VipHosts {

    public static final VipHosts NONE = new VipHosts(Set.of(), Set.of());

    private final Set<String> gated;
    private final Set<String> freebind;

    private VipHosts(Set<String> gated, Set<String> freebind) {
        this.gated = Set.copyOf(gated);
        this.freebind = Set.copyOf(freebind);
    }

    public static VipHosts of(Optional<ClusterConfig> cluster) {
        if (cluster.isEmpty()) {
            return NONE;
        }
        Set<String> gated = new HashSet<>();
        Set<String> freebind = new HashSet<>();
        for (VipConfig v : cluster.get().vips()) {
            (v.driver() == VipConfig.Driver.NONE ? gated : freebind).add(v.host());
        }
        return new VipHosts(gated, freebind);
    }

    /** Whether listeners on {@code host} open and close with the VIP ({@code driver: none}). */
    public boolean gated(String host) {
        return gated.contains(host);
    }

    /** Whether listeners on {@code host} bind with IP_FREEBIND (the address comes and goes). */
    public boolean freebind(String host) {
        return freebind.contains(host);
    }
}

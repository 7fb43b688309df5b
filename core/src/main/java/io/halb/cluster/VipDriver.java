package io.halb.cluster;

import io.halb.config.ClusterConfig;
import io.halb.config.ClusterConfig.VipConfig;

/**
 * What taking and releasing a VIP does on this node: add the address ({@code linux}), run a
 * command ({@code exec}) or open the listeners on it ({@code none}).
 *
 * <p>Thread-safety: called only from the cluster's own thread, never from an event loop; a call may
 * block for as long as its process or bind takes.
 */
public interface VipDriver {

    /** Makes this node serve {@code vip}; throws when it could not (the cluster retries). */
    void take(VipConfig vip) throws Exception;

    /** Tells the network again that this node has {@code vip} (after a partition healed). */
    default void announce(VipConfig vip) {}

    /** Stops serving {@code vip}; best effort, never throws. */
    void release(VipConfig vip);

    /** The driver of each kind for this node's configuration. */
    static VipDriver of(VipConfig vip, ClusterConfig cluster, ListenerGate gate, VipGuardian guardian) {
        return switch (vip.driver()) {
            case LINUX -> new LinuxVipDriver(guardian);
            case EXEC -> new ExecVipDriver(vip.command().or(cluster::command).orElseThrow(), cluster.node());
            case NONE -> new NoneVipDriver(gate);
        };
    }
}

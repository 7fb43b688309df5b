package io.halb.cluster;

import java.util.List;

/**
 * The cluster as this node sees it, for the admin API, metrics and logs. Immutable.
 *
 * @param role   {@code active} (holds a VIP), {@code standby}, {@code no_quorum}, {@code leaving}
 * @param viewId the JGroups view number (grows with each change)
 */
public record ClusterStatus(String node, String mode, String role, boolean quorum, long viewId,
                            List<Member> members, List<Vip> vips) {

    public ClusterStatus {
        members = List.copyOf(members);
        vips = List.copyOf(vips);
    }

    /** A live member; {@code eligible} is false when its track check fails or it is leaving. */
    public record Member(String name, int priority, boolean eligible, boolean self) {}

    /**
     * A VIP: the member that should hold it by the current view, and whether this node holds it.
     * {@code owner} is empty when no member may hold it (no quorum, nobody eligible).
     */
    public record Vip(String address, String driver, String owner, boolean heldHere) {}
}

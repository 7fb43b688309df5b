/**
 * A cluster of halb nodes: membership and failure detection (embedded JGroups), which node holds
 * each virtual IP, moving VIPs with a driver ({@code linux}, {@code exec}, {@code none}), the
 * split-brain rules, and the state replicated between nodes.
 */
package io.halb.cluster;

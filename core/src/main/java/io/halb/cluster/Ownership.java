package io.halb.cluster;

import io.halb.config.ClusterConfig.ClusterMode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which node holds each VIP: a pure function of the live members, the mode, preemption and who
 * held what before. Every node computes it from the same view and the same claims, so they agree
 * without a vote.
 *
 * <ul>
 *   <li>Quorum: with three or more configured nodes, a member set that is not a strict majority
 *       of them holds nothing (the other side may be a majority).</li>
 *   <li>Only eligible members hold VIPs (a failing {@code track} check, or a node that is leaving,
 *       makes a member ineligible).</li>
 *   <li>{@code active_standby}: the eligible member with the highest priority (ties: the smaller
 *       name) holds every VIP; with {@code preempt: false} a previous holder that is still
 *       eligible keeps them (when a merge leaves several, the best of them).</li>
 *   <li>{@code active_active}: each VIP goes to its preferred node when that node is eligible,
 *       else by rendezvous hashing over the eligible members (removing a member moves only its
 *       VIPs); with {@code preempt: false} an eligible previous holder keeps its VIP.</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class Ownership {

    /** A live member as the view and its last state message describe it. */
    public record Member(String name, int priority, boolean eligible) {}

    /** A VIP as ownership sees it: its address (the key) and its preferred node, if any. */
    public record Vip(String address, Optional<String> prefer) {}

    private static final Comparator<Member> BEST = Comparator.comparingInt(Member::priority).reversed()
            .thenComparing(Member::name);

    private Ownership() {}

    /** Whether {@code live} members (this node's view) are a quorum of {@code configuredNodes}. */
    public static boolean quorate(int live, int configuredNodes) {
        return configuredNodes < 3 || live * 2 > configuredNodes;
    }

    /**
     * The holder of each VIP; a VIP nobody may hold is absent.
     *
     * @param previous VIP address to the members that held it before (own memory and others' claims)
     */
    public static Map<String, String> assign(ClusterMode mode, boolean preempt, int configuredNodes,
                                             List<Member> members, List<Vip> vips,
                                             Map<String, Set<String>> previous) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!quorate(members.size(), configuredNodes)) {
            return out;
        }
        List<Member> eligible = new ArrayList<>();
        for (Member m : members) {
            if (m.eligible()) {
                eligible.add(m);
            }
        }
        if (eligible.isEmpty()) {
            return out;
        }
        if (mode == ClusterMode.ACTIVE_STANDBY) {
            Member holder = null;
            if (!preempt) {
                holder = eligible.stream()
                        .filter(m -> previous.values().stream().anyMatch(s -> s.contains(m.name())))
                        .min(BEST).orElse(null);
            }
            if (holder == null) {
                holder = eligible.stream().min(BEST).orElseThrow();
            }
            for (Vip v : vips) {
                out.put(v.address(), holder.name());
            }
            return out;
        }
        for (Vip v : vips) {
            out.put(v.address(), activeActive(v, eligible, preempt, previous.getOrDefault(v.address(), Set.of())));
        }
        return out;
    }

    private static String activeActive(Vip vip, List<Member> eligible, boolean preempt, Set<String> before) {
        if (!preempt) {
            Optional<Member> kept = eligible.stream().filter(m -> before.contains(m.name())).min(BEST);
            if (kept.isPresent()) {
                return kept.get().name();
            }
        }
        if (vip.prefer().isPresent()) {
            String p = vip.prefer().get();
            if (eligible.stream().anyMatch(m -> m.name().equals(p))) {
                return p;
            }
        }
        String best = null;
        long bestScore = 0;
        for (Member m : eligible) {
            long score = score(vip.address(), m.name());
            if (best == null || Long.compareUnsigned(score, bestScore) > 0
                    || (score == bestScore && m.name().compareTo(best) < 0)) {
                best = m.name();
                bestScore = score;
            }
        }
        return best;
    }

    /** Rendezvous score: FNV-1a over "vip\0node" with a 64-bit finalizer (stable across JVMs and versions). */
    static long score(String vip, String node) {
        long h = 0xcbf29ce484222325L;
        for (byte b : (vip + '\0' + node).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}

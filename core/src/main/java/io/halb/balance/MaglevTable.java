package io.halb.balance;

import java.util.List;

/**
 * A Maglev lookup table (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
 * Balancer", NSDI 2016, section 3.4) over a fixed group of servers: {@code size} slots, a prime,
 * each holding a server; a key's hash picks a slot.
 *
 * <h2>Build</h2>
 * Each server has its own permutation of the slots, from two hashes of its name:
 * {@code offset = h1 mod size}, {@code skip = h2 mod (size - 1) + 1}, slot {@code j} of its
 * preference list is {@code (offset + j * skip) mod size} (a permutation because {@code size} is
 * prime). Servers take turns claiming their next preferred free slot until the table is full. With
 * weights, a server takes a turn in a round only when {@code round * weight >= target} and then
 * raises its target by the largest weight (Envoy's weighted Maglev), so it claims about
 * {@code weight / maxWeight} of the rounds and a share of slots in proportion to its weight.
 *
 * <h2>Why it is consistent</h2>
 * A server's preference list does not depend on the others, so removing one of {@code N} servers
 * frees its slots, which the others reclaim along their own lists; the rest of the table barely
 * moves (the paper measures a little over {@code 1/N} of slots changing). The balancer avoids even
 * that for a server that is only down or at weight 0: it keeps the table and walks past the
 * server's slots (see {@link HashBalancer}), so exactly that server's keys move, and move back
 * when it returns. The table is rebuilt only when a positive weight changes.
 *
 * <p>Names, not addresses, seed the permutations: a server that changes address keeps its keys,
 * and every halb node of a cluster builds the same table from the same configuration. Immutable.
 */
final class MaglevTable {

    /** The smallest table; over 600 slots per server up to 100 servers. */
    static final int MIN_SIZE = 65_537;
    /** Slots per server aimed at for large groups (a finer share and smaller remap error). */
    private static final int SLOTS_PER_SERVER = 100;

    private static final long OFFSET_SEED = 0x6d61676c65763031L;
    private static final long SKIP_SEED = 0x6d61676c65763032L;

    private final List<Endpoint> group;
    /** The weight each group member was built with, 0 when it is not in the table. */
    private final int[] weights;
    /** Empty when no member has a weight. */
    private final Endpoint[] slots;

    private MaglevTable(List<Endpoint> group, int[] weights, Endpoint[] slots) {
        this.group = group;
        this.weights = weights;
        this.slots = slots;
    }

    /** The table size for a group of {@code servers}: the smallest prime >= max(65537, 100 * servers). */
    static int sizeFor(int servers) {
        int n = Math.max(MIN_SIZE, SLOTS_PER_SERVER * servers);
        while (!isPrime(n)) {
            n++;
        }
        return n;
    }

    /**
     * The table over {@code group} at the members' current weights; {@code previous} (same group)
     * when it still fits. A member at weight 0 keeps the slots it had and is walked past, so
     * setting a weight to 0 and back moves only that member's keys.
     */
    static MaglevTable of(List<Endpoint> group, MaglevTable previous) {
        int n = group.size();
        int[] weights = new int[n];
        boolean same = previous != null;
        for (int i = 0; i < n; i++) {
            int w = group.get(i).weight();
            weights[i] = w == 0 && previous != null ? previous.weights[i] : w;
            same &= previous != null && weights[i] == previous.weights[i];
        }
        if (same) {
            return previous;
        }
        return new MaglevTable(group, weights, populate(group, weights, sizeFor(n)));
    }

    int size() {
        return slots.length;
    }

    /** The server in the slot of {@code hash}; the table must not be empty. */
    Endpoint lookup(long hash) {
        // Lemire's multiply-shift: the high 32 bits scaled to [0, size), no division.
        return slots[(int) (((hash >>> 32) * slots.length) >>> 32)];
    }

    boolean isEmpty() {
        return slots.length == 0;
    }

    private static Endpoint[] populate(List<Endpoint> group, int[] weights, int size) {
        int n = group.size();
        int maxWeight = 0;
        for (int w : weights) {
            maxWeight = Math.max(maxWeight, w);
        }
        if (maxWeight == 0) {
            return new Endpoint[0];
        }
        int[] next = new int[n];
        int[] skip = new int[n];
        for (int i = 0; i < n; i++) {
            String name = group.get(i).name();
            next[i] = (int) Long.remainderUnsigned(Hash64.of(name, OFFSET_SEED), size);
            skip[i] = (int) Long.remainderUnsigned(Hash64.of(name, SKIP_SEED), size - 1) + 1;
        }
        long[] target = new long[n];
        Endpoint[] slots = new Endpoint[size];
        int filled = 0;
        for (long round = 0; filled < size; round++) {
            for (int i = 0; i < n && filled < size; i++) {
                if (weights[i] == 0 || round * weights[i] < target[i]) {
                    continue;
                }
                target[i] += maxWeight;
                int c = next[i];
                while (slots[c] != null) {
                    c += skip[i];
                    if (c >= size) {
                        c -= size;
                    }
                }
                slots[c] = group.get(i);
                c += skip[i];
                next[i] = c >= size ? c - size : c;
                filled++;
            }
        }
        return slots;
    }

    private static boolean isPrime(int n) {
        if (n < 2 || n % 2 == 0) {
            return n == 2;
        }
        for (int d = 3; (long) d * d <= n; d += 2) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }
}

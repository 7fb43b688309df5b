package io.halb.balance;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Weighted random draws over a tier: member {@code i} holds {@code weight(i)} of the
 * {@code totalWeight} tickets. Cumulative weights make a draw one binary search, {@code O(log n)},
 * and a rebuild {@code O(n)}, cheap enough to follow weights that an agent changes every few
 * seconds. Immutable.
 */
final class Lottery {

    private final Tier tier;
    /** {@code ends[i]} is one past member i's last ticket. */
    private final long[] ends;

    private Lottery(Tier tier) {
        this.tier = tier;
        this.ends = new long[tier.size()];
        long end = 0;
        for (int i = 0; i < ends.length; i++) {
            end += tier.weight(i);
            ends[i] = end;
        }
    }

    static Lottery of(Tier tier) {
        return new Lottery(tier);
    }

    Tier tier() {
        return tier;
    }

    /** The index of a random member, by weight; the tier must not be empty. */
    int draw() {
        long total = tier.totalWeight();
        // Weights are at most 256, so the total fits an int for any real pool; nextInt is cheaper.
        long ticket = total <= Integer.MAX_VALUE
                ? ThreadLocalRandom.current().nextInt((int) total)
                : ThreadLocalRandom.current().nextLong(total);
        int i = Arrays.binarySearch(ends, ticket);
        // An exact hit is the first ticket of the next member; a miss is at the insertion point.
        return i >= 0 ? i + 1 : -i - 1;
    }
}

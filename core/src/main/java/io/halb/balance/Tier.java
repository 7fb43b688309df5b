package io.halb.balance;

import java.util.ArrayList;
import java.util.List;

/**
 * The endpoints a balancer chooses among at one moment: the available primaries, or, when no
 * primary is available, the available backups; empty when nothing is available. Weights are
 * copied when the tier is built, so tables derived from it are consistent even while weights move.
 *
 * <p>Immutable. A balancer rebuilds its tier (through {@link LiveTable}) when a weight or state
 * changes, but an endpoint may change between that rebuild and a pick, so every pick still checks
 * {@link Endpoint#available()} on what it returns.
 */
final class Tier {

    private static final Tier EMPTY = new Tier(new Endpoint[0], new int[0], false);

    private final Endpoint[] members;
    private final int[] weights;
    private final long totalWeight;
    private final boolean backup;

    private Tier(Endpoint[] members, int[] weights, boolean backup) {
        this.members = members;
        this.weights = weights;
        long total = 0;
        for (int w : weights) {
            total += w;
        }
        this.totalWeight = total;
        this.backup = backup;
    }

    /** The available primaries of {@code endpoints}, else their available backups. */
    static Tier of(List<Endpoint> endpoints) {
        Tier primaries = of(endpoints, false, true);
        return primaries.size() > 0 ? primaries : of(endpoints, true, true);
    }

    /**
     * The primaries (or backups) of {@code endpoints} that have a weight, whatever their state:
     * what a table covers when it skips unavailable members at pick time instead of being rebuilt.
     */
    static Tier weighted(List<Endpoint> endpoints, boolean backup) {
        return of(endpoints, backup, false);
    }

    private static Tier of(List<Endpoint> endpoints, boolean backup, boolean upOnly) {
        List<Endpoint> members = new ArrayList<>(endpoints.size());
        List<Integer> weights = new ArrayList<>(endpoints.size());
        for (Endpoint e : endpoints) {
            // Read weight once: available() and the copied weight must agree.
            int weight = e.weight();
            if (e.backup() == backup && weight > 0 && (!upOnly || e.state() == ServerState.UP)) {
                members.add(e);
                weights.add(weight);
            }
        }
        if (members.isEmpty()) {
            return EMPTY;
        }
        return new Tier(members.toArray(new Endpoint[0]),
                weights.stream().mapToInt(Integer::intValue).toArray(), backup);
    }

    /**
     * Whether every member of {@code subset} is a member here with the same weight. Both tiers
     * must come from the same endpoint list (members keep its order), so one merge pass does.
     */
    boolean covers(Tier subset) {
        if (subset.backup != backup) {
            return false;
        }
        int j = 0;
        for (int i = 0; i < subset.members.length; i++) {
            Endpoint e = subset.members[i];
            while (j < members.length && members[j] != e) {
                j++;
            }
            if (j == members.length || weights[j] != subset.weights[i]) {
                return false;
            }
        }
        return true;
    }

    int size() {
        return members.length;
    }

    Endpoint member(int index) {
        return members[index];
    }

    /** The members themselves, for loops on the hot path; never modified. */
    Endpoint[] members() {
        return members;
    }

    /** The weight of member {@code index} when the tier was built. */
    int weight(int index) {
        return weights[index];
    }

    long totalWeight() {
        return totalWeight;
    }

    /** Whether the tier is the backups (no primary was available). */
    boolean backup() {
        return backup;
    }

    /**
     * The first member from {@code start} (wrapping) that is still available and was not tried,
     * else the first still available one, else {@code null}.
     */
    Endpoint next(int start, PickContext context) {
        int n = members.length;
        if (n == 0) {
            return null;
        }
        int i = Math.floorMod(start, n);
        Endpoint tried = null;
        for (int k = 0; k < n; k++) {
            Endpoint e = members[i];
            if (e.available()) {
                if (!context.tried(e)) {
                    return e;
                }
                if (tried == null) {
                    tried = e;
                }
            }
            if (++i == n) {
                i = 0;
            }
        }
        return tried;
    }

    /**
     * The slow path when a balancer's tier turned out stale (every member it tried became
     * unavailable since the tier was built): a fresh tier of {@code endpoints}, walked from
     * {@code start}.
     */
    static Endpoint rescan(List<Endpoint> endpoints, int start, PickContext context) {
        return of(endpoints).next(start, context);
    }
}

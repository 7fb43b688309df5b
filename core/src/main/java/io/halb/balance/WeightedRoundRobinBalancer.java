package io.halb.balance;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Smooth weighted round robin: each server gets turns in proportion to its weight, spread evenly
 * through the cycle (weights 5:1:1 give {@code A B A A C A A}, never {@code A A A A A B C}).
 *
 * <p>Picks are lock-free: the cycle is precomputed as a schedule of member indexes and walked by
 * one atomic counter. The schedule covers every server of the active tier (primaries, or backups
 * when no primary is available) that has a weight, including servers that are down: a pick that
 * lands on an unavailable server's slot takes the next slot instead, so the others keep their exact
 * proportions and a server going down or coming back costs no rebuild. The schedule is rebuilt
 * (see {@link LiveTable}) on the next pick after a weight changes, the tier switches between
 * primaries and backups, or less than half the schedule's weight is available (then it covers the
 * available servers only, so skipping stays short).
 *
 * <h2>The schedule</h2>
 * Weights are divided by their greatest common divisor; the cycle has {@code T = sum(weights)}
 * slots and member {@code i} fills {@code w[i]} of them. The slots are assigned as a WF2Q fair
 * queue does: after {@code j} slots the virtual time is {@code j / T}; member {@code i}, having had
 * {@code k[i]} turns, is <em>eligible</em> when its next turn's start {@code k[i] / w[i]} is not
 * after the virtual time, and among eligible members the one whose turn ends first,
 * {@code (k[i] + 1) / w[i]}, gets the slot (ties to the lower index). Some member is always
 * eligible (otherwise {@code k[i] > j * w[i] / T} for all {@code i} and {@code sum(k) > j}), and
 * the eligibility rule is what keeps a heavy server from taking several slots in a row while a
 * light one waits (compare plain earliest-deadline-first, which gives {@code A A A A A B C}). Eligible
 * members wait in a heap by end, the others in a calendar by the slot at which they become
 * eligible, so the build is {@code O(T log n)} with one heap insert and removal per slot;
 * fractions are compared by cross-multiplication, exactly.
 */
final class WeightedRoundRobinBalancer implements Balancer {

    /** Slots a pick may skip (unavailable or tried servers) before it walks the tier instead. */
    private static final int MAX_SKIPS = 8;

    private final LiveTable<Schedule> schedule;
    private final AtomicLong turn = new AtomicLong();

    private WeightedRoundRobinBalancer(List<Endpoint> endpoints) {
        schedule = new LiveTable<>(endpoints, Schedule::of);
    }

    static WeightedRoundRobinBalancer of(List<Endpoint> endpoints) {
        return new WeightedRoundRobinBalancer(endpoints);
    }

    @Override
    public Endpoint pick(PickContext context) {
        Schedule s = schedule.get();
        int length = s.order.length;
        long turn = 0;
        if (length > 0) {
            for (int skip = 0; skip < MAX_SKIPS; skip++) {
                turn = this.turn.getAndIncrement();
                Endpoint e = s.base.member(s.order[(int) Long.remainderUnsigned(turn, length)]);
                if (e.available() && !context.tried(e)) {
                    return e;
                }
            }
            Endpoint e = s.tier.next((int) turn, context);
            if (e != null) {
                return e;
            }
        }
        return Tier.rescan(schedule.endpoints(), (int) turn, context);
    }

    /** One cycle of turns. Immutable. */
    static final class Schedule {

        /** The available servers when the schedule was last checked: the walk when slots fail. */
        final Tier tier;
        /** The servers the cycle is over: a superset of {@link #tier} with the same weights. */
        final Tier base;
        /** Indexes into {@link #base} in turn order; length is the sum of the reduced weights. */
        final int[] order;

        private Schedule(Tier tier, Tier base, int[] order) {
            this.tier = tier;
            this.base = base;
            this.order = order;
        }

        /** The schedule for the endpoints' current weights and states; {@code previous} if it still fits. */
        static Schedule of(List<Endpoint> endpoints, Schedule previous) {
            Tier tier = Tier.of(endpoints);
            if (previous != null && fits(previous.base, tier)) {
                return new Schedule(tier, previous.base, previous.order);
            }
            Tier weighted = Tier.weighted(endpoints, tier.backup());
            Tier base = fits(weighted, tier) ? weighted : tier;
            return new Schedule(tier, base, order(base));
        }

        /** Whether a cycle over {@code base} serves {@code tier}, skipping at most half its weight. */
        private static boolean fits(Tier base, Tier tier) {
            return base.covers(tier) && tier.totalWeight() * 2 >= base.totalWeight();
        }

        /** The WF2Q cycle over {@code tier} (see the class comment). */
        static int[] order(Tier tier) {
            int n = tier.size();
            int[] w = new int[n];
            int gcd = 0;
            for (int i = 0; i < n; i++) {
                gcd = gcd(gcd, tier.weight(i));
            }
            long total = 0;
            for (int i = 0; i < n; i++) {
                w[i] = tier.weight(i) / gcd;
                total += w[i];
            }
            int length = (int) total;
            int[] order = new int[length];
            int[] k = new int[n];
            Heap eligible = new Heap(n, k, w);
            // Pending members wait in a calendar: member i, after k[i] turns, becomes eligible at
            // the first slot j with k[i] / w[i] <= j / total, i.e. j = ceil(k[i] * total / w[i]).
            // One linked list of members per slot (head, next), so waiting costs O(1), not a heap.
            int[] head = new int[length];
            Arrays.fill(head, -1);
            int[] next = new int[n];
            for (int i = 0; i < n; i++) {
                eligible.add(i);
            }
            for (int j = 0; j < length; j++) {
                for (int i = head[j]; i >= 0; i = next[i]) {
                    eligible.add(i);
                }
                int i = eligible.poll();
                order[j] = i;
                if (++k[i] < w[i]) {
                    int at = (int) (((long) k[i] * total + w[i] - 1) / w[i]);
                    next[i] = head[at];
                    head[at] = i;
                }
            }
            return order;
        }

        /**
         * A binary min-heap of member indexes by the end of their next turn, {@code (k[i] + 1) / w[i]},
         * ties to the lower index; an index's key changes only while it is out of the heap. Primitive, because a
         * schedule of 1,000 servers can have 100,000s of slots and the build runs on an event loop.
         */
        private static final class Heap {
            private final int[] heap;
            private final int[] k;
            private final int[] w;
            private int size;

            Heap(int capacity, int[] k, int[] w) {
                this.heap = new int[capacity];
                this.k = k;
                this.w = w;
            }

            void add(int x) {
                int i = size++;
                while (i > 0) {
                    int parent = (i - 1) >>> 1;
                    if (!less(x, heap[parent])) {
                        break;
                    }
                    heap[i] = heap[parent];
                    i = parent;
                }
                heap[i] = x;
            }

            int poll() {
                int top = heap[0];
                int x = heap[--size];
                int i = 0;
                int half = size >>> 1;
                while (i < half) {
                    int child = 2 * i + 1;
                    if (child + 1 < size && less(heap[child + 1], heap[child])) {
                        child++;
                    }
                    if (!less(heap[child], x)) {
                        break;
                    }
                    heap[i] = heap[child];
                    i = child;
                }
                heap[i] = x;
                return top;
            }

            private boolean less(int x, int y) {
                long a = (long) (k[x] + 1) * w[y];
                long b = (long) (k[y] + 1) * w[x];
                return a < b || a == b && x < y;
            }
        }

        private static int gcd(int a, int b) {
            while (b != 0) {
                int t = a % b;
                a = b;
                b = t;
            }
            return a;
        }
    }
}

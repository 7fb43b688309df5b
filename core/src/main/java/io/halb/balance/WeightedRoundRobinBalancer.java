package io.halb.balance;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Smooth weighted round robin: each server gets turns in proportion to its weight, spread evenly
 * through the cycle (weights 5:1:1 give {@code A B A A C A A}, never {@code A A A A A B C}).
 *
 * <p>Picks are lock-free: the cycle is precomputed as a schedule of member indexes and walked by
 * one atomic counter. The schedule is rebuilt (see {@link LiveTable}) when a weight or state
 * changes, so run-time weights and servers going down or up take effect at the next pick.
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
 * light one waits (compare plain earliest-deadline-first, which gives {@code A A A A A B C}). Two
 * heaps (pending by start, eligible by end) make the build {@code O(T log n)}; fractions are
 * compared by cross-multiplication, exactly.
 */
final class WeightedRoundRobinBalancer implements Balancer {

    private final LiveTable<Schedule> schedule;
    private final AtomicLong turn = new AtomicLong();

    private WeightedRoundRobinBalancer(List<Endpoint> endpoints) {
        schedule = new LiveTable<>(endpoints, (all, previous) -> Schedule.of(Tier.of(all)));
    }

    static WeightedRoundRobinBalancer of(List<Endpoint> endpoints) {
        return new WeightedRoundRobinBalancer(endpoints);
    }

    @Override
    public Endpoint pick(PickContext context) {
        Schedule s = schedule.get();
        long turn = this.turn.getAndIncrement();
        int length = s.order.length;
        if (length > 0) {
            int index = s.order[(int) Long.remainderUnsigned(turn, length)];
            Endpoint e = s.tier.member(index);
            if (e.available() && !context.tried(e)) {
                return e;
            }
            e = s.tier.next(index + 1, context);
            if (e != null) {
                return e;
            }
        }
        return Tier.rescan(schedule.endpoints(), (int) turn, context);
    }

    /** One cycle of turns over a tier. Immutable. */
    static final class Schedule {

        final Tier tier;
        /** Member indexes in turn order; length is the sum of the reduced weights. */
        final int[] order;

        private Schedule(Tier tier, int[] order) {
            this.tier = tier;
            this.order = order;
        }

        static Schedule of(Tier tier) {
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
            int[] order = new int[(int) total];
            int[] k = new int[n];
            Heap eligible = new Heap(n, k, w, 1);
            Heap pending = new Heap(n, k, w, 0);
            for (int i = 0; i < n; i++) {
                eligible.add(i);
            }
            for (int j = 0; j < order.length; j++) {
                // Eligible when k[i] / w[i] <= j / total.
                while (pending.size() > 0 && (long) k[pending.peek()] * total <= (long) j * w[pending.peek()]) {
                    eligible.add(pending.poll());
                }
                int i = eligible.poll();
                order[j] = i;
                if (++k[i] < w[i]) {
                    pending.add(i);
                }
            }
            return new Schedule(tier, order);
        }

        /**
         * A binary min-heap of member indexes by {@code (k[i] + bias) / w[i]}, ties to the lower
         * index; an index's key changes only while it is out of the heap. Primitive, because a
         * schedule of 1,000 servers can have 100,000s of slots and the build runs on an event loop.
         */
        private static final class Heap {
            private final int[] heap;
            private final int[] k;
            private final int[] w;
            private final int bias;
            private int size;

            Heap(int capacity, int[] k, int[] w, int bias) {
                this.heap = new int[capacity];
                this.k = k;
                this.w = w;
                this.bias = bias;
            }

            int size() {
                return size;
            }

            int peek() {
                return heap[0];
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
                long a = (long) (k[x] + bias) * w[y];
                long b = (long) (k[y] + bias) * w[x];
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

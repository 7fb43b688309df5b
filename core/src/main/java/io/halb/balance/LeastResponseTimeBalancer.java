package io.halb.balance;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server expected to answer first: the lowest {@code responseTime * (inFlight + 1) / weight},
 * where {@code responseTime} is the server's decaying average ({@link Endpoint#responseTimeNanos()}).
 *
 * <p>A server without a sample yet (new, or its first request still running) is scored with the
 * average of the tier's servers that have one: scoring it as 0 would send it every request until
 * its first answer came back. When no server has a sample, all count 1 ns and the choice is least
 * connections. The {@code inFlight + 1} factor is the queue the new request would join, so a fast
 * server is preferred only while its queue is short. Ties go round in turn as in
 * {@link LeastConnectionsBalancer}.
 *
 * <p>Two passes over the available tier per pick: {@code O(n)}.
 */
final class LeastResponseTimeBalancer implements Balancer {

    private final LiveTable<Tier> tier;
    private final AtomicLong turn = new AtomicLong();

    private LeastResponseTimeBalancer(List<Endpoint> endpoints) {
        this.tier = new LiveTable<>(endpoints, (all, previous) -> Tier.of(all));
    }

    static LeastResponseTimeBalancer of(List<Endpoint> endpoints) {
        return new LeastResponseTimeBalancer(endpoints);
    }

    @Override
    public Endpoint pick(PickContext context) {
        Endpoint[] members = tier.get().members();
        int n = members.length;
        int start = (int) (turn.getAndIncrement() & Integer.MAX_VALUE);
        if (n > 0) {
            long sum = 0;
            int sampled = 0;
            for (Endpoint e : members) {
                long rt = e.responseTimeNanos();
                if (rt > 0) {
                    sum += rt;
                    sampled++;
                }
            }
            double unsampled = sampled == 0 ? 1 : (double) sum / sampled;
            Endpoint best = null;
            double bestScore = 0;
            Endpoint bestTried = null;
            double bestTriedScore = 0;
            int i = start % n;
            for (int k = 0; k < n; k++) {
                Endpoint e = members[i];
                if (++i == n) {
                    i = 0;
                }
                int weight = e.weight();
                if (weight <= 0 || e.state() != ServerState.UP) {
                    continue;
                }
                long rt = e.responseTimeNanos();
                double score = (rt > 0 ? rt : unsampled) * (e.inFlight() + 1.0) / weight;
                if (!context.tried(e)) {
                    if (best == null || score < bestScore) {
                        best = e;
                        bestScore = score;
                    }
                } else if (bestTried == null || score < bestTriedScore) {
                    bestTried = e;
                    bestTriedScore = score;
                }
            }
            if (best != null) {
                return best;
            }
            if (bestTried != null) {
                return bestTried;
            }
        }
        return Tier.rescan(tier.endpoints(), start, context);
    }
}

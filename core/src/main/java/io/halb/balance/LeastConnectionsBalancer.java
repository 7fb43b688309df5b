package io.halb.balance;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server with the fewest requests (http) or connections (tcp) in flight, or, weighted, the
 * lowest {@code (inFlight + 1) / weight}.
 *
 * <p>The scan starts one member further on each pick and keeps the first best it meets, so ties
 * (idle servers, equal loads) go round in turn instead of always to the first server. Weighted
 * loads count the request being placed ({@code + 1}, as HAProxy's leastconn does), so among idle
 * servers the heaviest goes first and a weight-3 server is filled to 3 in flight while a weight-1
 * server holds 1; plain {@code inFlight / weight} would treat all idle servers alike. Fractions are
 * compared by cross-multiplication, exactly.
 *
 * <p>Each pick is one pass over the available tier: {@code O(n)}. For pools of hundreds of servers,
 * {@link PowerOfTwoBalancer} decides in constant time with nearly the same spread.
 */
final class LeastConnectionsBalancer implements Balancer {

    private final LiveTable<Tier> tier;
    private final boolean weighted;
    private final AtomicLong turn = new AtomicLong();

    private LeastConnectionsBalancer(List<Endpoint> endpoints, boolean weighted) {
        this.tier = new LiveTable<>(endpoints, (all, previous) -> Tier.of(all));
        this.weighted = weighted;
    }

    static LeastConnectionsBalancer of(List<Endpoint> endpoints) {
        return new LeastConnectionsBalancer(endpoints, false);
    }

    static LeastConnectionsBalancer ofWeighted(List<Endpoint> endpoints) {
        return new LeastConnectionsBalancer(endpoints, true);
    }

    @Override
    public Endpoint pick(PickContext context) {
        Endpoint[] members = tier.get().members();
        int n = members.length;
        int start = (int) (turn.getAndIncrement() & Integer.MAX_VALUE);
        if (n > 0) {
            Endpoint best = null;
            long bestLoad = 0;
            int bestWeight = 1;
            Endpoint bestTried = null;
            long bestTriedLoad = 0;
            int bestTriedWeight = 1;
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
                if (!weighted) {
                    weight = 1;
                }
                long load = weighted ? e.inFlight() + 1L : e.inFlight();
                if (!context.tried(e)) {
                    if (best == null || load * bestWeight < bestLoad * weight) {
                        best = e;
                        bestLoad = load;
                        bestWeight = weight;
                    }
                } else if (bestTried == null || load * bestTriedWeight < bestTriedLoad * weight) {
                    bestTried = e;
                    bestTriedLoad = load;
                    bestTriedWeight = weight;
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

package io.halb.balance;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Equal turns over the available servers; weights ignored (beyond weight 0 meaning "not chosen").
 *
 * <p>The turn counts over the available tier only, so a server that is down does not hand its turn
 * to its neighbour (which would give that neighbour a double share).
 */
final class RoundRobinBalancer implements Balancer {

    private final LiveTable<Tier> tier;
    private final AtomicLong turn = new AtomicLong();

    private RoundRobinBalancer(List<Endpoint> endpoints) {
        tier = new LiveTable<>(endpoints, (all, previous) -> Tier.of(all));
    }

    static RoundRobinBalancer of(List<Endpoint> endpoints) {
        return new RoundRobinBalancer(endpoints);
    }

    @Override
    public Endpoint pick(PickContext context) {
        Tier t = tier.get();
        int n = t.size();
        int start = (int) (turn.getAndIncrement() & Integer.MAX_VALUE);
        if (n > 0) {
            Endpoint e = t.member(start % n);
            if (e.available() && !context.tried(e)) {
                return e;
            }
            e = t.next(start % n + 1, context);
            if (e != null) {
                return e;
            }
        }
        return Tier.rescan(tier.endpoints(), start, context);
    }
}

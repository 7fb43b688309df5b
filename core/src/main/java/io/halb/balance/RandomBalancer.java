package io.halb.balance;

import java.util.List;

/**
 * A weighted random server: each pick draws independently, with a chance proportional to the
 * server's current weight. No shared counter, so picks from different event loops never contend;
 * shares converge as the number of picks grows but bunch in the short run (smooth weighted round
 * robin does not).
 *
 * <p>Also the {@code resource_based} algorithm: there the resource agent sets the weights from each
 * server's CPU, memory and sessions every few seconds, and a draw table rebuilds in {@code O(n)},
 * far cheaper than a round-robin schedule.
 */
final class RandomBalancer implements Balancer {

    private final LiveTable<Lottery> lottery;

    private RandomBalancer(List<Endpoint> endpoints) {
        lottery = new LiveTable<>(endpoints, (all, previous) -> Lottery.of(Tier.of(all)));
    }

    static RandomBalancer of(List<Endpoint> endpoints) {
        return new RandomBalancer(endpoints);
    }

    @Override
    public Endpoint pick(PickContext context) {
        Lottery l = lottery.get();
        Tier tier = l.tier();
        if (tier.size() > 0) {
            int index = l.draw();
            Endpoint e = tier.member(index);
            if (e.available() && !context.tried(e)) {
                return e;
            }
            e = tier.next(index + 1, context);
            if (e != null) {
                return e;
            }
        }
        return Tier.rescan(lottery.endpoints(), 0, context);
    }
}

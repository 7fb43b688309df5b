package io.halb.balance;

import java.util.List;

/**
 * Power of two choices: two servers drawn at random by weight, and the one with the lower
 * {@code (inFlight + 1) / weight} takes the request (Mitzenmacher; Envoy's least_request). Nearly
 * the spread of least connections at the cost of two draws, whatever the pool's size, and without
 * the herd effect of every event loop sending to the same least loaded server at once.
 */
final class PowerOfTwoBalancer implements Balancer {

    private final LiveTable<Lottery> lottery;

    private PowerOfTwoBalancer(List<Endpoint> endpoints) {
        lottery = new LiveTable<>(endpoints, (all, previous) -> Lottery.of(Tier.of(all)));
    }

    static PowerOfTwoBalancer of(List<Endpoint> endpoints) {
        return new PowerOfTwoBalancer(endpoints);
    }

    @Override
    public Endpoint pick(PickContext context) {
        Lottery l = lottery.get();
        Tier tier = l.tier();
        int n = tier.size();
        if (n > 0) {
            int first = l.draw();
            int second = l.draw();
            if (second == first && n > 1) {
                // One redraw keeps the weighted odds; a second collision just takes a neighbour.
                second = l.draw();
                if (second == first) {
                    second = first + 1 == n ? 0 : first + 1;
                }
            }
            Endpoint a = usable(tier.member(first), context);
            Endpoint b = usable(tier.member(second), context);
            if (a != null && b != null) {
                return lessLoaded(a, b);
            }
            if (a != null || b != null) {
                return a != null ? a : b;
            }
            Endpoint e = tier.next(first + 1, context);
            if (e != null) {
                return e;
            }
        }
        return Tier.rescan(lottery.endpoints(), 0, context);
    }

    private static Endpoint usable(Endpoint e, PickContext context) {
        return e.available() && !context.tried(e) ? e : null;
    }

    private static Endpoint lessLoaded(Endpoint a, Endpoint b) {
        long wa = Math.max(1, a.weight());
        long wb = Math.max(1, b.weight());
        return (b.inFlight() + 1L) * wa < (a.inFlight() + 1L) * wb ? b : a;
    }
}

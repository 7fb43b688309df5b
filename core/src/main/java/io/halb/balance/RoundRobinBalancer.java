package io.halb.balance;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Equal turns over the available servers; weights ignored. */
final class RoundRobinBalancer implements Balancer {

    private final List<Endpoint> endpoints;
    private final AtomicInteger next = new AtomicInteger();

    RoundRobinBalancer(List<Endpoint> endpoints) {
        this.endpoints = List.copyOf(endpoints);
    }

    @Override
    public Endpoint pick(PickContext context) {
        int n = endpoints.size();
        if (n == 0) {
            return null;
        }
        int start = next.getAndIncrement() & Integer.MAX_VALUE;
        Endpoint fallback = null;
        for (boolean backups : new boolean[] {false, true}) {
            for (int i = 0; i < n; i++) {
                Endpoint e = endpoints.get((start + i) % n);
                if (e.backup() != backups || !e.available()) {
                    continue;
                }
                if (!context.tried(e)) {
                    return e;
                }
                if (fallback == null) {
                    fallback = e;
                }
            }
            if (fallback != null) {
                return fallback;
            }
        }
        return null;
    }
}

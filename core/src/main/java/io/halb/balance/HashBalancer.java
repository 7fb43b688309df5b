package io.halb.balance;

import io.halb.config.HashKey;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Consistent hashing of a request key ({@code source_ip_hash}, {@code uri_hash}, {@code hash}) over
 * a weighted {@link MaglevTable}: the same key goes to the same server while the pool is stable,
 * and removing one of {@code N} servers moves about {@code 1/N} of the keys.
 *
 * <h2>Walking past a server</h2>
 * A key's candidates are the slots of {@code h}, {@code mix(h + 1 * φ)}, {@code mix(h + 2 * φ)},
 * ... ({@code φ} the 64-bit golden ratio): the first is the key's server; the walk goes on past a
 * server that is unavailable (down, draining, in maintenance, weight 0), already tried by this
 * request, or, with bounded load, full. The walk depends only on the key and the table, so every
 * request with the key that meets the same states lands on the same server, and a server that goes
 * down moves exactly its own keys, spread over the others by weight (not all onto one neighbour as
 * on a hash ring).
 *
 * <h2>Bounded load</h2>
 * With a balance factor {@code c} (percent, e.g. 125), a server is full when it already has
 * {@code ceil(c/100 * (total in flight + 1) * weight / total weight)} requests in flight
 * (Mirrokni, Thorup, Zadimoghaddam, "Consistent Hashing with Bounded Loads", 2018): no server
 * takes more than {@code c/100} of its fair share, at the price of moving some keys while it is
 * full. Summing the in-flight counts is a pass over the tier per pick, paid only when enabled.
 *
 * <p>A request without the key (no such header or cookie, a tcp connection for a uri key) goes
 * round robin. The primaries' table is used while any primary is available, else the backups'.
 */
final class HashBalancer implements Balancer {

    /** Candidates tried before giving up on the hash and taking the next available member. */
    static final int MAX_PROBES = 32;
    /** The hash of a request without the key; real hashes are remapped away from it. */
    private static final long NO_KEY = 0;
    private static final long GOLDEN = 0x9e3779b97f4a7c15L;

    /** Reads and hashes a request's key on the event loop, without copying it. */
    @FunctionalInterface
    interface KeyHash {
        /** The key's hash, or {@link #NO_KEY} when the request has no such key. */
        long hash(PickContext context);
    }

    private record Tables(Tier tier, MaglevTable primaries, MaglevTable backups) {}

    private final KeyHash keyHash;
    /** 0 for no bound, else the percentage of the fair share a server may take, >= 100. */
    private final int balanceFactor;
    private final LiveTable<Tables> tables;
    private final AtomicLong turn = new AtomicLong();

    private HashBalancer(List<Endpoint> endpoints, KeyHash keyHash, int balanceFactor) {
        if (balanceFactor != 0 && balanceFactor < 100) {
            throw new IllegalArgumentException("hash_balance_factor: " + balanceFactor + " (expected: 0 or >= 100)");
        }
        this.keyHash = keyHash;
        this.balanceFactor = balanceFactor;
        List<Endpoint> primaries = new ArrayList<>();
        List<Endpoint> backups = new ArrayList<>();
        for (Endpoint e : endpoints) {
            (e.backup() ? backups : primaries).add(e);
        }
        List<Endpoint> p = List.copyOf(primaries);
        List<Endpoint> b = List.copyOf(backups);
        this.tables = new LiveTable<>(endpoints, (all, previous) -> new Tables(Tier.of(all),
                MaglevTable.of(p, previous == null ? null : previous.primaries()),
                MaglevTable.of(b, previous == null ? null : previous.backups())));
    }

    /**
     * @param balanceFactor 0 for plain consistent hashing, else the bound in percent of the fair
     *                      share (125: no server above 1.25 times its share of in-flight requests)
     */
    static HashBalancer of(List<Endpoint> endpoints, HashKey key, int balanceFactor) {
        return new HashBalancer(endpoints, keyHash(key), balanceFactor);
    }

    static HashBalancer of(List<Endpoint> endpoints, HashKey key) {
        return of(endpoints, key, 0);
    }

    @Override
    public Endpoint pick(PickContext context) {
        Tables t = tables.get();
        Tier tier = t.tier();
        if (tier.size() > 0) {
            long h = keyHash.hash(context);
            Endpoint e = h == NO_KEY
                    ? roundRobin(tier, context)
                    : walk(tier.backup() ? t.backups() : t.primaries(), tier, h, context);
            if (e != null) {
                return e;
            }
        }
        return Tier.rescan(tables.endpoints(), 0, context);
    }

    private Endpoint roundRobin(Tier tier, PickContext context) {
        int start = (int) ((turn.getAndIncrement() & Integer.MAX_VALUE) % tier.size());
        return tier.next(start, context);
    }

    private Endpoint walk(MaglevTable table, Tier tier, long h, PickContext context) {
        if (table.isEmpty()) {
            return tier.next(0, context);
        }
        Load load = balanceFactor == 0 ? null : new Load(tier, balanceFactor);
        Endpoint tried = null;
        Endpoint full = null;
        for (int probe = 0; probe < MAX_PROBES; probe++) {
            Endpoint e = table.lookup(probe == 0 ? h : Hash64.mix(h + probe * GOLDEN));
            if (!e.available()) {
                continue;
            }
            if (context.tried(e)) {
                if (tried == null) {
                    tried = e;
                }
                continue;
            }
            if (load != null && load.full(e)) {
                if (full == null || load.lessLoaded(e, full)) {
                    full = e;
                }
                continue;
            }
            return e;
        }
        if (full != null) {
            return full;
        }
        // Every probe met an unavailable or tried server: the tier has few left. Still by the key.
        Endpoint e = tier.next((int) ((h >>> 33) % tier.size()), context);
        return e != null ? e : tried;
    }

    /** The tier's load for one pick with bounded load. */
    private static final class Load {
        private final long total;
        private final long totalWeight;
        private final int factor;

        Load(Tier tier, int factor) {
            long sum = 0;
            for (Endpoint e : tier.members()) {
                sum += e.inFlight();
            }
            this.total = sum;
            this.totalWeight = tier.totalWeight();
            this.factor = factor;
        }

        /** Whether {@code e} already holds its bound: inFlight + 1 > ceil(c * (total + 1) * w / (100 * W)). */
        boolean full(Endpoint e) {
            long capacity = ceilDiv((long) factor * (total + 1) * e.weight(), 100L * totalWeight);
            return e.inFlight() + 1L > capacity;
        }

        boolean lessLoaded(Endpoint a, Endpoint b) {
            return (a.inFlight() + 1L) * Math.max(1, b.weight()) < (b.inFlight() + 1L) * Math.max(1, a.weight());
        }

        private static long ceilDiv(long x, long y) {
            return -Math.floorDiv(-x, y);
        }
    }

    private static KeyHash keyHash(HashKey key) {
        Objects.requireNonNull(key, "key");
        if (key instanceof HashKey.SourceIp) {
            return context -> {
                InetAddress client = context.clientAddress();
                return client == null ? NO_KEY : nonZero(Hash64.of(client));
            };
        }
        if (key instanceof HashKey.Uri uri) {
            boolean withQuery = uri.withQuery();
            return context -> {
                String target = context.uri();
                if (target == null) {
                    return NO_KEY;
                }
                int end = withQuery ? -1 : target.indexOf('?');
                return nonZero(Hash64.of(target, 0, end < 0 ? target.length() : end, 0));
            };
        }
        if (key instanceof HashKey.Header header) {
            String name = header.name();
            return context -> {
                String value = context.header(name);
                return value == null ? NO_KEY : nonZero(Hash64.of(value, 0));
            };
        }
        if (key instanceof HashKey.Cookie cookie) {
            String name = cookie.name();
            return context -> {
                String value = context.cookie(name);
                return value == null ? NO_KEY : nonZero(Hash64.of(value, 0));
            };
        }
        throw new IllegalArgumentException("hash key: " + key);
    }

    private static long nonZero(long h) {
        return h == NO_KEY ? GOLDEN : h;
    }
}

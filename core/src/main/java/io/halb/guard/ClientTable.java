package io.halb.guard;

import java.net.InetAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Client address to {@link ClientState}, bounded: it holds at most about {@code capacity} addresses,
 * the least recently seen going first, so an attacker spraying source addresses cannot exhaust
 * memory. An address with connections still open is not evicted (its count must stay right); such
 * addresses can only be as many as the listener's open connections, which
 * {@code max_connections} bounds.
 *
 * <p>Thread-safety: safe from every event loop. Split into shards, each an access-ordered map behind
 * its own lock held for one hash lookup (as {@code persist.StickTable}); touched once per
 * connection, never per request (a connection keeps its state).
 */
final class ClientTable {

    private static final int SHARDS = 64;
    /** Eldest entries looked at for an idle one to evict, per insertion. */
    private static final int EVICTION_SCAN = 8;

    private final int capacity;
    private final Shard[] shards = new Shard[SHARDS];

    ClientTable(int capacity) {
        this.capacity = capacity;
        int perShard = Math.max(1, (capacity + SHARDS - 1) / SHARDS);
        for (int i = 0; i < SHARDS; i++) {
            shards[i] = new Shard(perShard);
        }
    }

    int capacity() {
        return capacity;
    }

    /** The state of {@code client}, made on first sight; marks it most recently seen. */
    ClientState get(InetAddress client, long nowNanos) {
        Shard shard = shard(client);
        synchronized (shard) {
            ClientState s = shard.get(client);
            if (s == null) {
                s = new ClientState(nowNanos);
                shard.put(client, s);
                shard.evict();
            }
            return s;
        }
    }

    /** Addresses held now. */
    int size() {
        int n = 0;
        for (Shard s : shards) {
            synchronized (s) {
                n += s.size();
            }
        }
        return n;
    }

    private Shard shard(InetAddress client) {
        int h = client.hashCode() * 0x9E3779B9;
        return shards[(h ^ (h >>> 16)) & (SHARDS - 1)];
    }

    private static final class Shard extends LinkedHashMap<InetAddress, ClientState> {
        private final int capacity;

        Shard(int capacity) {
            super(16, 0.75f, true);
            this.capacity = capacity;
        }

        /** Removes idle eldest entries while over capacity, looking at a few at most. */
        void evict() {
            Iterator<ClientState> it = values().iterator();
            for (int looked = 0; size() > capacity && looked < EVICTION_SCAN && it.hasNext(); looked++) {
                if (it.next().connections() == 0) {
                    it.remove();
                }
            }
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, ClientState> eldest) {
            return false; // evict() decides, skipping addresses with open connections
        }
    }
}

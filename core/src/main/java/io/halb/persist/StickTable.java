package io.halb.persist;

import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Client address to server id, for {@code persistence: {type: source_ip}}. Entries expire after
 * {@code ttl} without use, and the table never holds more than {@code capacity} entries: the least
 * recently used go first, so memory stays bounded however many addresses connect.
 *
 * <p>Thread-safety: safe from every event loop. The table is split into shards, each an
 * access-ordered map behind its own lock, so two event loops rarely wait on each other and each
 * critical section is a hash lookup.
 */
public final class StickTable {

    private static final int SHARDS = 16;

    private final long ttlNanos;
    private final Shard[] shards = new Shard[SHARDS];

    public StickTable(Duration ttl, int capacity) {
        if (capacity < SHARDS) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= " + SHARDS + ")");
        }
        this.ttlNanos = ttl.toNanos();
        for (int i = 0; i < SHARDS; i++) {
            shards[i] = new Shard(capacity / SHARDS);
        }
    }

    /** The server id pinned for {@code client}, or {@code null} (none, or expired). */
    public String get(InetAddress client) {
        Shard shard = shard(client);
        long now = System.nanoTime();
        synchronized (shard) {
            Entry e = shard.get(client);
            if (e == null) {
                return null;
            }
            if (now - e.lastSeenNanos > ttlNanos) {
                shard.remove(client);
                return null;
            }
            e.lastSeenNanos = now;
            return e.serverId;
        }
    }

    /** Pins {@code client} to {@code serverId} (again), refreshing its idle time. */
    public void put(InetAddress client, String serverId) {
        Shard shard = shard(client);
        long now = System.nanoTime();
        synchronized (shard) {
            Entry e = shard.get(client);
            if (e != null && e.serverId.equals(serverId)) {
                e.lastSeenNanos = now;
            } else {
                shard.put(client, new Entry(serverId, now));
            }
        }
    }

    /** Entries now, expired ones included until they are touched or pushed out. */
    public int size() {
        int n = 0;
        for (Shard s : shards) {
            synchronized (s) {
                n += s.size();
            }
        }
        return n;
    }

    private Shard shard(InetAddress client) {
        int h = client.hashCode();
        h ^= h >>> 16;
        return shards[h & (SHARDS - 1)];
    }

    private static final class Entry {
        final String serverId;
        long lastSeenNanos;

        Entry(String serverId, long lastSeenNanos) {
            this.serverId = serverId;
            this.lastSeenNanos = lastSeenNanos;
        }
    }

    private static final class Shard extends LinkedHashMap<InetAddress, Entry> {
        private final int capacity;

        Shard(int capacity) {
            super(16, 0.75f, true);
            this.capacity = capacity;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Entry> eldest) {
            return size() > capacity;
        }
    }
}

package io.halb.persist;

import java.net.InetAddress;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
    /** Told of each new or changed pin (cluster replication); null when nobody listens. */
    private volatile Listener listener;

    /** Learns of pins made on this node, to share them. Called on the event loop that pinned: must not block. */
    @FunctionalInterface
    public interface Listener {
        void pinned(InetAddress client, String serverId);
    }

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
        boolean changed = pin(client, serverId);
        Listener l = listener;
        if (changed && l != null) {
            l.pinned(client, serverId);
        }
    }

    /** Pins as {@link #put} does, without telling the listener: a pin that another node shared. */
    public void putReplicated(InetAddress client, String serverId) {
        pin(client, serverId);
    }

    /** Sets the listener told of new and changed pins (null: none). */
    public void listener(Listener l) {
        this.listener = l;
    }

    /** Up to {@code max} unexpired entries, for a node that joins the cluster. */
    public List<Map.Entry<InetAddress, String>> entries(int max) {
        List<Map.Entry<InetAddress, String>> out = new ArrayList<>();
        long now = System.nanoTime();
        for (Shard s : shards) {
            synchronized (s) {
                for (Map.Entry<InetAddress, Entry> e : s.entrySet()) {
                    if (out.size() >= max) {
                        return out;
                    }
                    if (now - e.getValue().lastSeenNanos <= ttlNanos) {
                        out.add(new AbstractMap.SimpleImmutableEntry<>(e.getKey(), e.getValue().serverId));
                    }
                }
            }
        }
        return out;
    }

    /** Whether the pin is new or points elsewhere now. */
    private boolean pin(InetAddress client, String serverId) {
        Shard shard = shard(client);
        long now = System.nanoTime();
        synchronized (shard) {
            Entry e = shard.get(client);
            if (e != null && e.serverId.equals(serverId)) {
                e.lastSeenNanos = now;
                return false;
            }
            shard.put(client, new Entry(serverId, now));
            return true;
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

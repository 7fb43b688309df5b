package io.halb.proxy.upstream;

import io.halb.balance.Endpoint;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Idle keep-alive connections to servers, for one event loop. The most recently used connection is
 * handed out first: it is the least likely to have been closed by the server.
 *
 * <p>Thread-safety: confined to its event loop; every method must be called from it.
 */
public final class ConnectionPool {

    private record Idle(Channel channel, long sinceNanos) {}

    private final EventLoop loop;
    private final int maxIdlePerServer;
    private final Map<Endpoint, ArrayDeque<Idle>> idle = new HashMap<>();

    ConnectionPool(EventLoop loop, int maxIdlePerServer) {
        this.loop = loop;
        this.maxIdlePerServer = maxIdlePerServer;
    }

    public EventLoop loop() {
        return loop;
    }

    /** An idle, still open connection to {@code endpoint}, or {@code null}. */
    public Channel poll(Endpoint endpoint) {
        assert loop.inEventLoop();
        ArrayDeque<Idle> q = idle.get(endpoint);
        if (q == null) {
            return null;
        }
        Idle i;
        while ((i = q.pollLast()) != null) {
            if (i.channel.isActive()) {
                return i.channel;
            }
            i.channel.close();
        }
        return null;
    }

    /**
     * Keeps a connection for reuse. The caller has detached it from its exchange and leaves a read
     * pending, so a server that closes it or sends unasked bytes is noticed at once.
     *
     * @return false when the pool is full; the caller closes the connection
     */
    public boolean offer(Endpoint endpoint, Channel channel) {
        assert loop.inEventLoop();
        ArrayDeque<Idle> q = idle.computeIfAbsent(endpoint, e -> new ArrayDeque<>());
        if (q.size() >= maxIdlePerServer) {
            return false;
        }
        q.addLast(new Idle(channel, System.nanoTime()));
        return true;
    }

    /** Forgets a connection that closed while idle. */
    public void remove(Endpoint endpoint, Channel channel) {
        assert loop.inEventLoop();
        ArrayDeque<Idle> q = idle.get(endpoint);
        if (q != null) {
            q.removeIf(i -> i.channel == channel);
        }
    }

    /** Closes connections idle for longer than {@code maxIdleNanos}. */
    void sweep(long maxIdleNanos) {
        long now = System.nanoTime();
        for (Iterator<ArrayDeque<Idle>> it = idle.values().iterator(); it.hasNext(); ) {
            ArrayDeque<Idle> q = it.next();
            // Oldest first: stop at the first one still young enough.
            Idle i;
            while ((i = q.peekFirst()) != null && now - i.sinceNanos > maxIdleNanos) {
                q.pollFirst();
                i.channel.close();
            }
            if (q.isEmpty()) {
                it.remove();
            }
        }
    }

}

package io.halb.proxy;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.util.concurrent.atomic.LongAdder;

/**
 * Every open client connection of a running halb, so a graceful stop can ask each to finish, and
 * the count of requests they made (the rest of the counting is the metrics' job).
 *
 * <p>Thread-safety: safe from any thread.
 */
public final class ConnectionTracker {

    /** Fired on each client channel when halb stops: finish what is in flight, take nothing new. */
    public static final Object GRACEFUL_CLOSE = new Object() {
        @Override
        public String toString() {
            return "GRACEFUL_CLOSE";
        }
    };

    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final LongAdder requests = new LongAdder();

    /** Tracks a new client connection until it closes. */
    public void add(Channel client) {
        clients.add(client);
    }

    /** Client connections open now. */
    public int open() {
        return clients.size();
    }

    /** Asks every client connection to finish its current request and close. */
    public void closeGracefully() {
        for (Channel ch : clients) {
            ch.pipeline().fireUserEventTriggered(GRACEFUL_CLOSE);
        }
    }

    /** Closes every client connection now. */
    public io.netty.channel.group.ChannelGroupFuture closeAll() {
        return clients.close();
    }

    public void requestStarted() {
        requests.increment();
    }

    public long requestsTotal() {
        return requests.sum();
    }
}

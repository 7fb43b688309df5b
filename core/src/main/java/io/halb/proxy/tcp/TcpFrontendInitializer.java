package io.halb.proxy.tcp;

import io.halb.proxy.ConnectionTracker;
import io.halb.proxy.ListenerSnapshot;
import io.halb.proxy.upstream.Upstreams;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

import java.util.function.Supplier;

/** The pipeline of a TCP client connection: only {@link TcpFrontendHandler}, until it links a relay. */
public final class TcpFrontendInitializer extends ChannelInitializer<Channel> {

    private final Supplier<ListenerSnapshot> snapshot;
    private final Upstreams upstreams;
    private final ConnectionTracker tracker;

    public TcpFrontendInitializer(Supplier<ListenerSnapshot> snapshot, Upstreams upstreams, ConnectionTracker tracker) {
        this.snapshot = snapshot;
        this.upstreams = upstreams;
        this.tracker = tracker;
    }

    @Override
    protected void initChannel(Channel ch) {
        tracker.add(ch);
        ch.pipeline().addLast("frontend", new TcpFrontendHandler(snapshot.get(), upstreams));
    }
}

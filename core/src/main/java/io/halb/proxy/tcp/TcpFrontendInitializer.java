package io.halb.proxy.tcp;

import io.halb.proxy.ConnectionTracker;
import io.halb.proxy.ListenerSnapshot;
import io.halb.proxy.upstream.Upstreams;
import io.halb.tls.ClientHelloRouter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

import java.util.function.Supplier;

/**
 * The pipeline of a TCP client connection: only {@link TcpFrontendHandler}, until it links a relay;
 * on a listener with {@code sni_routes}, a {@link ClientHelloRouter} before it, which reads the
 * ClientHello (within {@code timeouts.tls_handshake}) without terminating TLS.
 */
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
        ListenerSnapshot listener = snapshot.get();
        TcpFrontendHandler frontend = new TcpFrontendHandler(listener, upstreams);
        if (listener.routesBySni()) {
            ch.pipeline().addLast("sni", new ClientHelloRouter((ctx, serverName) -> frontend.route(serverName),
                    listener.timeouts().tlsHandshake().toMillis()));
        }
        ch.pipeline().addLast("frontend", frontend);
    }
}

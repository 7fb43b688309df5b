package io.halb.proxy.http;

import io.halb.proxy.ConnectionTracker;
import io.halb.proxy.ListenerSnapshot;
import io.halb.proxy.upstream.Upstreams;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flow.FlowControlHandler;

import java.util.function.Supplier;

/**
 * The pipeline of one HTTP/2 stream from a client: a child channel on the connection's event loop
 * whose frames become HTTP/1.1 objects, so the same {@link HttpFrontendHandler} and
 * {@link HttpExchange} that serve an HTTP/1.1 connection serve the stream (routing, balancing,
 * retries, persistence, forwarded headers, records). Reads are explicit as there: a stream is read
 * only while its server connection takes the body, and what it does not read holds the client back
 * through the stream's flow-control window.
 */
final class Http2StreamInitializer extends ChannelInitializer<Http2StreamChannel> {

    static final String HEAD_CHECK = "h2-head-check";
    static final String STREAM_CODEC = "h2-stream-codec";
    static final String STREAM_ADAPTER = "h2-stream-adapter";

    private final Supplier<ListenerSnapshot> snapshot;
    private final Upstreams upstreams;
    private final ConnectionTracker tracker;
    private final Http2ConnectionWatch watch;

    Http2StreamInitializer(Supplier<ListenerSnapshot> snapshot, Upstreams upstreams, ConnectionTracker tracker,
                           Http2ConnectionWatch watch) {
        this.snapshot = snapshot;
        this.upstreams = upstreams;
        this.tracker = tracker;
        this.watch = watch;
    }

    @Override
    protected void initChannel(Http2StreamChannel ch) {
        ch.config().setAutoRead(false);
        watch.streamOpened(ch);
        ch.pipeline()
                .addLast(HEAD_CHECK, new Http2RequestHeadCheck())
                .addLast(STREAM_CODEC, new Http2StreamFrameToHttpObjectCodec(true, true))
                .addLast(STREAM_ADAPTER, new Http2StreamAdapter())
                .addLast(HttpFrontendInitializer.FLOW, new FlowControlHandler())
                .addLast(HttpFrontendInitializer.FRONTEND, new HttpFrontendHandler(snapshot, upstreams, tracker));
    }
}

package io.halb.proxy.http;

import io.halb.guard.HeadScanHandler;
import io.halb.proxy.ConnectionTracker;
import io.halb.proxy.ListenerSnapshot;
import io.halb.proxy.upstream.Upstreams;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;

import java.util.function.Supplier;

/**
 * The pipeline of an HTTP client connection, as named steps: a scan of the raw request heads for
 * what decoding hides ({@link HeadScanHandler}), the HTTP/1.1 codec in its strict RFC 9112 mode,
 * one decoded message per read (so pipelined requests wait their turn), then the proxy.
 */
public final class HttpFrontendInitializer extends ChannelInitializer<Channel> {

    static final int MAX_INITIAL_LINE = 8192;
    static final int MAX_HEADER_SIZE = 32 * 1024;
    static final int MAX_CHUNK_SIZE = 64 * 1024;

    static final String SCAN = "scan";
    static final String CODEC = "codec";
    static final String FLOW = "flow";
    static final String FRONTEND = "frontend";

    private final Supplier<ListenerSnapshot> snapshot;
    private final Upstreams upstreams;
    private final ConnectionTracker tracker;

    public HttpFrontendInitializer(Supplier<ListenerSnapshot> snapshot, Upstreams upstreams, ConnectionTracker tracker) {
        this.snapshot = snapshot;
        this.upstreams = upstreams;
        this.tracker = tracker;
    }

    @Override
    protected void initChannel(Channel ch) {
        tracker.add(ch);
        addHttp1Handlers(ch);
        ch.pipeline().addLast(FRONTEND, new HttpFrontendHandler(snapshot, upstreams, tracker));
    }

    private static void addHttp1Handlers(Channel ch) {
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setMaxChunkSize(MAX_CHUNK_SIZE)
                .setValidateHeaders(true)
                // RFC 9112: CRLF only, one Content-Length, chunked last, never with Content-Length.
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setUseRfc9112TransferEncoding(true);
        ch.pipeline()
                .addLast(SCAN, new HeadScanHandler())
                .addLast(CODEC, new HttpServerCodec(decoder))
                .addLast(FLOW, new FlowControlHandler());
    }
}

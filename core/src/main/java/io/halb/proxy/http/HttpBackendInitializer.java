package io.halb.proxy.http;

import io.halb.balance.Endpoint;
import io.halb.guard.ResponseHeadScanHandler;
import io.halb.proxy.upstream.Upstreams;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;

/**
 * The pipeline of a connection to an HTTP server: a scan of the raw response heads
 * ({@link ResponseHeadScanHandler}), the client codec, then {@link HttpBackendHandler}.
 */
final class HttpBackendInitializer extends ChannelInitializer<Channel> {

    static final String SCAN = "scan";
    static final String CODEC = "codec";

    private final Endpoint endpoint;
    private final Upstreams upstreams;

    HttpBackendInitializer(Endpoint endpoint, Upstreams upstreams) {
        this.endpoint = endpoint;
        this.upstreams = upstreams;
    }

    @Override
    protected void initChannel(Channel ch) {
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(HttpFrontendInitializer.MAX_INITIAL_LINE)
                .setMaxHeaderSize(HttpFrontendInitializer.MAX_HEADER_SIZE)
                .setMaxChunkSize(HttpFrontendInitializer.MAX_CHUNK_SIZE);
        ch.pipeline()
                .addLast(SCAN, new ResponseHeadScanHandler())
                .addLast(CODEC, new HttpClientCodec(decoder, false, false))
                .addLast("backend", new HttpBackendHandler(endpoint, upstreams));
    }
}

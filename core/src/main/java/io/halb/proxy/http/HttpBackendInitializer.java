package io.halb.proxy.http;

import io.halb.balance.Endpoint;
import io.halb.guard.ResponseHeadScanHandler;
import io.halb.proxy.upstream.Upstreams;
import io.halb.tls.ClientTls;
import io.netty.util.AttributeKey;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpDecoderConfig;

/**
 * The pipeline of a connection to an HTTP server: TLS when the pool has {@code tls:}
 * (re-encryption; requests written before the handshake ends wait in the TLS handler), a scan of
 * the raw response heads ({@link ResponseHeadScanHandler}), the codec ({@link ServerConnectionCodec}),
 * then {@link HttpBackendHandler}.
 */
final class HttpBackendInitializer extends ChannelInitializer<Channel> {

    static final String SCAN = "scan";
    static final String CODEC = "codec";
    static final String TLS = "tls";
    /** The TLS (or none) a connection was opened with: a pooled one serves only a pool with the same. */
    private static final AttributeKey<ClientTls> OPENED_WITH = AttributeKey.valueOf(HttpBackendInitializer.class, "tls");

    private final Endpoint endpoint;
    private final Upstreams upstreams;
    private final ClientTls tls;

    /** @param tls the pool's TLS to its servers, or {@code null} for plain TCP */
    HttpBackendInitializer(Endpoint endpoint, Upstreams upstreams, ClientTls tls) {
        this.endpoint = endpoint;
        this.upstreams = upstreams;
        this.tls = tls;
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.attr(OPENED_WITH).set(tls);
        if (tls != null) {
            ch.pipeline().addLast(TLS, tls.newHandler(ch.alloc(), endpoint.address().host(), endpoint.address().port()));
        }
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(HttpFrontendInitializer.MAX_INITIAL_LINE)
                .setMaxHeaderSize(HttpFrontendInitializer.MAX_HEADER_SIZE)
                .setMaxChunkSize(HttpFrontendInitializer.MAX_CHUNK_SIZE);
        ResponseHeadScanHandler scan = new ResponseHeadScanHandler();
        ServerConnectionCodec codec = new ServerConnectionCodec(decoder);
        ch.pipeline()
                .addLast(SCAN, scan)
                .addLast(CODEC, codec)
                .addLast("backend", new HttpBackendHandler(endpoint, upstreams, scan, codec));
    }

    /**
     * Whether a pooled connection speaks what its pool asks now: a reload that adds, removes or
     * changes a pool's {@code tls:} keeps the servers' identity, not their idle connections.
     */
    static boolean openedWith(Channel ch, ClientTls tls) {
        return ch.attr(OPENED_WITH).get() == tls;
    }
}

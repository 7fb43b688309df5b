package io.halb.proxy.http;

import io.halb.guard.HeadScanHandler;
import io.halb.proxy.ConnectionTracker;
import io.halb.proxy.ListenerSnapshot;
import io.halb.proxy.upstream.Upstreams;
import io.halb.tls.ServerTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;

import java.util.List;
import java.util.function.Supplier;

/**
 * The pipeline of an HTTP client connection, as named steps: on a TLS listener first the TLS
 * handshake (certificate picked by SNI) and the ALPN decision ({@link TlsNegotiationHandler}),
 * which then adds the HTTP/1.1 steps or, once HTTP/2 exists, {@link #addHttp2Handlers}; a scan of the raw request heads for
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
    static final String TLS = "tls";
    static final String NEGOTIATION = "alpn";

    /**
     * The application protocols offered in ALPN, in order of preference. HTTP/2 support adds
     * {@link ApplicationProtocolNames#HTTP_2} here, first, together with {@link #addHttp2Handlers}.
     */
    public static final List<String> ALPN_PROTOCOLS = List.of(ApplicationProtocolNames.HTTP_1_1);

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
        ServerTls tls = snapshot.get().tls();
        if (tls != null) {
            addTlsHandlers(ch, tls);
            return;
        }
        addHttp1Handlers(ch);
        ch.pipeline().addLast(FRONTEND, new HttpFrontendHandler(snapshot, upstreams, tracker));
    }

    /** TLS first; the protocol handlers are added once ALPN has decided (see {@link TlsNegotiationHandler}). */
    private void addTlsHandlers(Channel ch, ServerTls tls) {
        ch.pipeline()
                .addLast(TLS, tls.newHandler())
                .addLast(NEGOTIATION, new TlsNegotiationHandler(this));
    }

    /**
     * The handshake chose HTTP/1.1 (or no ALPN): the same steps as a plain-text connection, added
     * after {@code ctx} (the negotiation step, which then leaves).
     */
    void addHttp1Handlers(ChannelHandlerContext ctx) {
        addHttp1Handlers(ctx.channel());
        ctx.pipeline().addLast(FRONTEND, new HttpFrontendHandler(snapshot, upstreams, tracker));
    }

    /**
     * THE HTTP/2 SEAM. Called on the channel's event loop when the TLS handshake's ALPN chose
     * {@code h2}, with {@code ctx} the negotiation step (which leaves the pipeline right after),
     * the TLS handler before it and nothing after it. HTTP/2 support adds its frame codec and
     * per-stream handlers here, and {@code h2} to {@link #ALPN_PROTOCOLS}. Today {@code h2} is not
     * offered, so a client cannot pick it; should one anyway, the connection is closed.
     */
    void addHttp2Handlers(ChannelHandlerContext ctx) {
        ctx.close();
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

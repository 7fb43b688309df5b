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
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.flush.FlushConsolidationHandler;

import java.util.List;
import java.util.function.Supplier;

/**
 * The pipeline of an HTTP client connection, as named steps: on a TLS listener first the TLS
 * handshake (certificate picked by SNI) and the ALPN decision ({@link TlsNegotiationHandler}),
 * which then adds the HTTP/1.1 steps or, once HTTP/2 exists, {@link #addHttp2Handlers}; a scan of the raw request heads for
 * what decoding hides ({@link HeadScanHandler}), the HTTP/1.1 codec in its strict RFC 9112 mode,
 * one decoded message per read (so pipelined requests wait their turn, {@link ReadAhead}), then the proxy.
 *
 * <p>HTTP/2 ({@link #addHttp2Handlers}): the frame codec with its limits, a multiplexer that gives
 * each client stream a child channel ({@link Http2StreamInitializer}) served by the same proxy, and
 * the connection's watch ({@link Http2ConnectionWatch}). On a listener with {@code h2c: true} a
 * {@link Http2PrefaceDetector} chooses between the two by the connection's first bytes.
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

    /** The application protocols offered in ALPN, in order of preference: HTTP/2 first. */
    public static final List<String> ALPN_PROTOCOLS = List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);
    static final String H2_PREFACE = "h2-preface";
    static final String H2_FLUSH = "h2-flush";
    static final String H2_CODEC = "h2-codec";
    static final String H2_MUX = "h2-mux";
    static final String H2_WATCH = "h2-watch";

    /** Streams a client may have open at once on one HTTP/2 connection (RFC 9113 recommends at least 100). */
    static final int H2_MAX_CONCURRENT_STREAMS = 100;
    /** Request body bytes a client may send on one stream before halb has passed them on. */
    static final int H2_STREAM_WINDOW = 64 * 1024;

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
        ListenerSnapshot listener = snapshot.get();
        ServerTls tls = listener.tls();
        if (tls != null) {
            addTlsHandlers(ch, tls);
            return;
        }
        if (listener.config().h2c()) {
            ch.pipeline().addLast(H2_PREFACE, new Http2PrefaceDetector(listener.timeouts().headerRead(),
                    this::addHttp1Handlers, this::addHttp2Handlers));
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
     * The connection speaks HTTP/1.1 (ALPN chose it or none, or the first bytes were not the
     * HTTP/2 preface): the same steps as a plain-text connection, added after {@code ctx} (the
     * step that decided, which then leaves).
     */
    void addHttp1Handlers(ChannelHandlerContext ctx) {
        addHttp1Handlers(ctx.channel());
        ctx.pipeline().addLast(FRONTEND, new HttpFrontendHandler(snapshot, upstreams, tracker));
    }

    /**
     * Makes an active connection speak HTTP/2 from here on, with the handlers added after
     * {@code ctx} (the step that decided, which then leaves): after the client's preface
     * (cleartext with prior knowledge) or once ALPN chose {@code h2}. Called on the channel's event
     * loop. The connection reads on its own from here: the flow-control windows, not the socket,
     * hold a client back.
     */
    void addHttp2Handlers(ChannelHandlerContext ctx) {
        Http2ConnectionWatch watch = new Http2ConnectionWatch(snapshot);
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(H2_MAX_CONCURRENT_STREAMS)
                        .maxHeaderListSize(MAX_HEADER_SIZE)
                        .initialWindowSize(H2_STREAM_WINDOW))
                .validateHeaders(true)
                // GOAWAY is the watch's to send; a close after it (or at the end of a stop) is immediate.
                .decoupleCloseAndGoAway(true)
                .build();
        ctx.pipeline()
                // Responses of many streams finish in one event-loop turn: one write to the socket for all.
                .addLast(H2_FLUSH, new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true))
                .addLast(H2_CODEC, codec)
                .addLast(H2_MUX, new Http2MultiplexHandler(new Http2StreamInitializer(snapshot, upstreams, tracker, watch)))
                .addLast(H2_WATCH, watch);
        ctx.channel().config().setAutoRead(true);
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
                .addLast(CODEC, new ClientConnectionCodec(decoder))
                .addLast(FLOW, new ReadAhead());
    }
}

package io.halb.proxy.http;

import io.halb.tls.TlsSession;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The step after the TLS handler of a client connection: asks for the reads the handshake needs
 * (auto-read is off), records the session ({@link TlsSession}: protocol, server name, the client
 * certificate's subject) and, once the handshake has chosen a protocol by ALPN, has the
 * initializer add that protocol's handlers, then leaves the pipeline. Bytes that arrived with
 * the handshake are held and passed on to those handlers.
 *
 * <p>A failed handshake (no shared protocol version or cipher, a client certificate missing or not
 * trusted, a timeout, bytes that are not TLS) closes the connection and is logged at debug:
 * clients and scanners cause them all the time.
 *
 * <p>Confined to the channel's event loop.
 */
final class TlsNegotiationHandler extends ApplicationProtocolNegotiationHandler {

    private static final Logger log = LoggerFactory.getLogger(TlsNegotiationHandler.class);

    private final HttpFrontendInitializer initializer;
    private String serverName;

    TlsNegotiationHandler(HttpFrontendInitializer initializer) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.initializer = initializer;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        // The handler ahead reads on until the ClientHello, the SslHandler until the handshake ends.
        ctx.read();
        super.channelActive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SniCompletionEvent sni) {
            serverName = sni.hostname();
        } else if (evt instanceof SslHandshakeCompletionEvent hs && hs.isSuccess()) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (ssl != null) {
                TlsSession.record(ctx.channel(), ssl, serverName);
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
            initializer.addHttp2Handlers(ctx);
            return;
        }
        initializer.addHttp1Handlers(ctx);
        // The handlers just added missed the channel's activation; they start their work on it.
        ctx.fireChannelActive();
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        if (log.isDebugEnabled()) {
            log.debug("client {}: tls handshake failed: {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (log.isDebugEnabled()) {
            log.debug("client {}: tls: {}", ctx.channel().remoteAddress(), c.toString());
        }
        ctx.close();
    }
}

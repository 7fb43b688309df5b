package io.halb.health;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;

import java.util.Locale;

/**
 * Judges the TLS handshake of a check's connection: a failed one fails the check with the reason
 * ({@code "tls: ..."}: an untrusted or wrongly named certificate, no shared protocol); a completed
 * one passes it when the handshake is all that is asked ({@code passOnHandshake}, tcp checks) and
 * otherwise lets the request through. Confined to the connection's event loop.
 */
final class HandshakeOutcome extends ChannelInboundHandlerAdapter {

    private final Promise<HealthCheck.Result> promise;
    private final boolean passOnHandshake;

    HandshakeOutcome(Promise<HealthCheck.Result> promise, boolean passOnHandshake) {
        this.promise = promise;
        this.passOnHandshake = passOnHandshake;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent hs) {
            if (!hs.isSuccess()) {
                promise.trySuccess(HealthCheck.Result.failed(reason(hs.cause())));
            } else if (passOnHandshake) {
                promise.trySuccess(HealthCheck.Result.passed("tls handshake"));
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (passOnHandshake) {
            ReferenceCountUtil.release(msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        promise.trySuccess(HealthCheck.Result.failed(reason(cause)));
        ctx.close();
    }

    static String reason(Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        // OpenSSL says "General OpenSslEngine problem" and keeps the verifier's reason as the cause.
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return "tls: " + (m == null || m.isBlank() ? c.getClass().getSimpleName() : m.toLowerCase(Locale.ROOT));
    }
}

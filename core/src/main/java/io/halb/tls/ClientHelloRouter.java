package io.halb.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;

import java.util.function.BiFunction;

/**
 * TLS pass-through: reads a client's ClientHello without terminating TLS (also when it arrives
 * in several TCP segments or records), hands the server name it asks for to a router, and leaves
 * the pipeline once the router's future completes, passing on every byte it held unchanged.
 * A client that sends no ClientHello within the timeout is closed; bytes that are not TLS are
 * routed as if no name was sent.
 *
 * <p>Auto-read is off: this asks for the reads it needs. While the router works, reads wait.
 * Confined to the channel's event loop.
 */
public final class ClientHelloRouter extends AbstractSniHandler<Object> {

    private static final int MAX_CLIENT_HELLO = 16 * 1024;

    private final BiFunction<ChannelHandlerContext, String, Future<?>> router;

    /**
     * @param router given the server name ({@code null}: none sent), connects onward; its future
     *               succeeds once the bytes held here can be passed on
     */
    @SuppressWarnings("unchecked")
    public ClientHelloRouter(BiFunction<ChannelHandlerContext, String, Future<?>> router, long timeoutMillis) {
        super(MAX_CLIENT_HELLO, timeoutMillis);
        this.router = router;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        super.channelActive(ctx);
        ctx.read();
    }

    @Override
    @SuppressWarnings("unchecked")
    protected Future<Object> lookup(ChannelHandlerContext ctx, String hostname) {
        return (Future<Object>) router.apply(ctx, hostname);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<Object> future) {
        if (future.isSuccess()) {
            ctx.pipeline().remove(this);
        } else {
            ctx.close();
        }
    }
}

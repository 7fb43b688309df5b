package io.halb.proxy.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;

/**
 * Between the HTTP/1.1 codec and the frontend of a client connection (auto-read off): hands the
 * frontend one decoded message per {@code read()} it asks for, so pipelined requests wait their
 * turn, and keeps the socket read while it holds no message, so a keep-alive client's next request
 * is read as soon as it arrives.
 *
 * <p>Why not Netty's {@code FlowControlHandler}: it passes a read to the socket only when asked,
 * so between one request and the next the socket has no read pending and the epoll transport
 * drops and re-adds its interest in the descriptor, two {@code epoll_ctl} calls per request (about
 * 6% of halb's CPU in issue 9's profile). Reading ahead is bounded: once a message waits here,
 * nothing more is read until the frontend takes it, so a client that pipelines or uploads faster
 * than the server takes it is held back by at most one socket read.
 *
 * <p>Thread-safety: one per connection, confined to its event loop.
 */
final class ReadAhead extends ChannelDuplexHandler {

    /** Messages read but not yet asked for; made on the first one (most connections never pipeline). */
    private ArrayDeque<Object> queue;
    /** The frontend asked for a message and has not had it yet. */
    private boolean wanted;

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (queue != null && !queue.isEmpty()) {
            ctx.fireChannelRead(queue.poll());
            return;
        }
        wanted = true;
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (wanted && (queue == null || queue.isEmpty())) {
            wanted = false;
            ctx.fireChannelRead(msg);
            return;
        }
        if (queue == null) {
            queue = new ArrayDeque<>(4);
        }
        queue.add(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if ((queue == null || queue.isEmpty()) && ctx.channel().isActive()) {
            // Nothing waits here: keep reading, so the socket stays in the poll set as it is.
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseQueued();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Leaving the pipeline (a protocol upgrade): what was read goes on, in order.
        while (queue != null && !queue.isEmpty()) {
            ctx.fireChannelRead(queue.poll());
        }
    }

    private void releaseQueued() {
        while (queue != null && !queue.isEmpty()) {
            ReferenceCountUtil.release(queue.poll());
        }
    }
}

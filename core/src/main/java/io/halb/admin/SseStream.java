package io.halb.admin;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One {@code GET /api/v1/events} response: a {@code text/event-stream} that writes
 * {@code event: <type>} / {@code data: <AdminEvent as JSON>} for every event the control plane
 * publishes, and a comment line every ping interval so proxies keep it open and a vanished client is
 * noticed.
 *
 * <p>Life: the handler subscribes on the admin executor and passes the unsubscriber to
 * {@link #subscribed}, then calls {@link #begin} on the event loop, which writes the response head.
 * Events that arrive in between are kept and written right after the head, so a client that has the
 * head is sure to see every later event. Closing the channel unsubscribes (on the admin executor,
 * since the control plane is not called from event loops).
 *
 * <p>A client that stops reading is disconnected once the channel's outbound buffer passes its high
 * water mark, rather than buffering events for it without bound.
 *
 * <p>Thread-safety: {@link #publish} and {@link #subscribed} from any thread; everything else on the
 * channel's event loop, which confines {@code pending}, {@code open} and {@code pinger}.
 */
final class SseStream {

    private static final Logger log = LoggerFactory.getLogger(SseStream.class);

    /** Marks a stream whose channel closed: nothing is subscribed any more, or will be. */
    private static final Runnable CLOSED = () -> { };
    private static final int MAX_PENDING = 1024;

    private final Channel channel;
    private final Json json;
    private final Duration pingInterval;
    private final Executor planeExecutor;
    /** null until subscribed, then the unsubscriber, then {@link #CLOSED}; any thread. */
    private final AtomicReference<Runnable> unsubscriber = new AtomicReference<>();

    private final List<String> pending = new ArrayList<>();
    private boolean open;
    private ScheduledFuture<?> pinger;

    SseStream(Channel channel, Json json, Duration pingInterval, Executor planeExecutor) {
        this.channel = channel;
        this.json = json;
        this.pingInterval = pingInterval;
        this.planeExecutor = planeExecutor;
        channel.closeFuture().addListener(f -> closed());
    }

    /** The control plane's listener: any thread, never blocks. */
    void publish(AdminEvent event) {
        if (unsubscriber.get() == CLOSED) {
            return;
        }
        String type = event.type() == null ? "message" : event.type().replace('\r', '_').replace('\n', '_');
        String text = "event: " + type + "\ndata: " + json.writeLine(event) + "\n\n";
        try {
            channel.eventLoop().execute(() -> send(text));
        } catch (RejectedExecutionException e) {
            // The event loop is shutting down, and with it this stream.
        }
    }

    /** Keeps the unsubscriber, or unsubscribes at once when the channel already closed. Admin executor. */
    void subscribed(Runnable unsubscribe) {
        if (!unsubscriber.compareAndSet(null, unsubscribe)) {
            unsubscribe.run();
        }
    }

    /** Writes the response head and what was published since subscribing; starts pinging. Event loop. */
    void begin() {
        if (!channel.isActive()) {
            return;
        }
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
                .set("X-Accel-Buffering", "no");
        channel.write(head).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        open = true;
        send(": halb events\n\n");
        for (String text : pending) {
            send(text);
        }
        pending.clear();
        long nanos = pingInterval.toNanos();
        pinger = channel.eventLoop().scheduleAtFixedRate(() -> send(": ping\n\n"), nanos, nanos, TimeUnit.NANOSECONDS);
        // Reading from now on only notices the client going away; the handler drops whatever it sends.
        channel.config().setAutoRead(true);
    }

    /** Event loop. */
    private void send(String text) {
        if (!channel.isActive()) {
            return;
        }
        if (!open) {
            pending.add(text);
            if (pending.size() > MAX_PENDING) {
                channel.close();
            }
            return;
        }
        if (!channel.isWritable()) {
            log.debug("admin: closing event stream to {}: it does not read what is sent", channel.remoteAddress());
            channel.close();
            return;
        }
        channel.writeAndFlush(new DefaultHttpContent(ByteBufUtil.writeUtf8(channel.alloc(), text)))
                .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    /** Event loop. */
    private void closed() {
        if (pinger != null) {
            pinger.cancel(false);
        }
        pending.clear();
        Runnable unsubscribe = unsubscriber.getAndSet(CLOSED);
        if (unsubscribe != null && unsubscribe != CLOSED) {
            try {
                planeExecutor.execute(unsubscribe);
            } catch (RejectedExecutionException e) {
                // The admin server is closing; unsubscribing here is the last thing it asks of the plane.
                unsubscribe.run();
            }
        }
    }
}

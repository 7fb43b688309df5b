package io.halb.guard;

import io.halb.config.LimitsConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;

/**
 * What the limits said about one connection, kept on the channel for its life: refused (and how),
 * diverted, or admitted; and, for an admitted client under per-client limits, its state, so each
 * request is checked against the client's request rate without a table lookup.
 *
 * <p>Thread-safety: confined to the channel's event loop, except {@link #release()}, which is
 * idempotent.
 */
public final class Admission implements ChannelFutureListener {

    private static final AttributeKey<Admission> KEY = AttributeKey.valueOf(Admission.class, "admission");

    private final Limiter limiter;
    private final LimitsConfig config;
    private final ClientState state;
    private final boolean counted;
    private final Refusal refusal;
    private boolean released;

    Admission(Limiter limiter, LimitsConfig config, ClientState state, boolean counted) {
        this(limiter, config, state, counted, null);
    }

    private Admission(Limiter limiter, LimitsConfig config, ClientState state, boolean counted, Refusal refusal) {
        this.limiter = limiter;
        this.config = config;
        this.state = state;
        this.counted = counted;
        this.refusal = refusal;
    }

    Admission withRefusal(Refusal r) {
        return new Admission(limiter, config, state, counted, r);
    }

    /** The admission of {@code ch}, or {@code null} when its listener has no limits installed. */
    public static Admission of(Channel ch) {
        // An HTTP/2 stream is admitted with its connection.
        Channel conn = ch instanceof Http2StreamChannel ? ch.parent() : ch;
        return conn.attr(KEY).get();
    }

    void attach(Channel ch) {
        ch.attr(KEY).set(this);
    }

    /** Why the connection was refused (or diverted), or {@code null} when it was admitted. */
    public Refusal refusal() {
        return refusal;
    }

    /** The pool this connection's traffic is diverted to, or {@code null}. */
    public String divertPool() {
        return refusal == null ? null : refusal.divertPool();
    }

    /** The limits in force when the connection was accepted. */
    public LimitsConfig config() {
        return config;
    }

    public Limiter limiter() {
        return limiter;
    }

    /**
     * Checks one more request of this connection: the connection's own refusal if it has one,
     * else the client's request rate. {@code null}: go ahead.
     */
    public Refusal request() {
        if (refusal != null) {
            return refusal;
        }
        return limiter.request(config, state);
    }

    /** The connection closed (a listener on its close future): gives back its counts. */
    @Override
    public void operationComplete(ChannelFuture closed) {
        release();
    }

    /** Gives back the connection's counts. Idempotent. */
    public void release() {
        if (!released) {
            released = true;
            limiter.released(counted, state);
        }
    }
}

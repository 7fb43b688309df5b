package io.halb.health;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;

/**
 * TLS around a check's connection, for pools whose servers speak TLS (pool {@code tls:}): the
 * checks then verify the servers' certificates as requests do. Implementations are thread-safe.
 */
@FunctionalInterface
public interface TlsLayer {

    /** The TLS handler (the first one) of a new connection to {@code target}. */
    ChannelHandler newHandler(Channel ch, HealthTarget target);
}

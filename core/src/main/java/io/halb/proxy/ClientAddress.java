package io.halb.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;

import java.net.InetSocketAddress;

/**
 * The client a connection speaks for: the peer itself, or the client a trusted PROXY protocol
 * header named. Every use of "the client's address" (balancing, persistence, X-Forwarded-For, logs)
 * goes through here.
 */
public final class ClientAddress {

    private static final AttributeKey<InetSocketAddress> PROXIED = AttributeKey.valueOf(ClientAddress.class, "proxied");

    private ClientAddress() {}

    public static InetSocketAddress of(Channel ch) {
        // An HTTP/2 stream speaks for the client of its connection.
        Channel conn = ch instanceof Http2StreamChannel ? ch.parent() : ch;
        // hasAttr first: attr() would add an empty attribute to every connection without a PROXY header.
        InetSocketAddress proxied = conn.hasAttr(PROXIED) ? conn.attr(PROXIED).get() : null;
        return proxied != null ? proxied : (InetSocketAddress) ch.remoteAddress();
    }

    /** Records the client a PROXY protocol header named. Called once, on the channel's event loop. */
    static void set(Channel ch, InetSocketAddress client) {
        ch.attr(PROXIED).set(client);
    }
}

package io.halb.proxy;

import io.halb.config.ProxyProtocol;
import io.netty.channel.Channel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;

import java.net.Inet6Address;
import java.net.InetSocketAddress;

/** Writes the PROXY protocol header at the start of a server connection, naming the client. */
public final class ProxyProtocolSender {

    private ProxyProtocolSender() {}

    /**
     * Writes and flushes the header on a fresh server connection: the client's address and the
     * address it connected to. Flushed at once: in server-first protocols (SMTP, MySQL) the server
     * waits for it before it speaks.
     */
    public static void send(Channel server, ProxyProtocol version, InetSocketAddress client, InetSocketAddress local) {
        if (version == ProxyProtocol.NONE) {
            return;
        }
        boolean v6 = client.getAddress() instanceof Inet6Address || local.getAddress() instanceof Inet6Address;
        HAProxyProxiedProtocol proto = v6 ? HAProxyProxiedProtocol.TCP6 : HAProxyProxiedProtocol.TCP4;
        String src = client.getAddress().getHostAddress();
        String dst = local.getAddress().getHostAddress();
        if (v6 && !(client.getAddress() instanceof Inet6Address)) {
            src = "::ffff:" + src;
        }
        if (v6 && !(local.getAddress() instanceof Inet6Address)) {
            dst = "::ffff:" + dst;
        }
        HAProxyMessage header = new HAProxyMessage(version == ProxyProtocol.V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2,
                HAProxyCommand.PROXY, proto, src, dst, client.getPort(), local.getPort());
        server.pipeline().addFirst("proxy-protocol-encoder", HAProxyMessageEncoder.INSTANCE);
        // Written from just above the encoder: a TLS handler (pool tls:) must not encrypt the
        // header, which goes before the handshake. The encoder releases the message.
        java.util.List<String> names = server.pipeline().names();
        io.netty.channel.ChannelHandlerContext above = names.size() > 1 ? server.pipeline().context(names.get(1)) : null;
        if (above != null) {
            above.writeAndFlush(header, server.voidPromise());
        } else {
            server.writeAndFlush(header, server.voidPromise());
        }
        server.pipeline().remove("proxy-protocol-encoder");
    }
}

package io.halb.health;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A resource agent to poll: the server it speaks for and the agent's address (the server's host and
 * the pool's agent port, as HAProxy's {@code agent-port}).
 *
 * @param pool    the server's pool; server names are unique within a pool only
 * @param server  the server's name
 * @param address the agent's resolved address; resolve it off the event loops, before
 *                {@link AgentCheck#start}
 */
public record AgentTarget(String pool, String server, InetSocketAddress address) {

    public AgentTarget {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("address: " + address + " (expected: a resolved address)");
        }
    }

    /** The target for a server whose resolved address is {@code serverAddress}: its host, {@code agentPort}. */
    public static AgentTarget of(String pool, String server, InetSocketAddress serverAddress, int agentPort) {
        return new AgentTarget(pool, server, new InetSocketAddress(serverAddress.getAddress(), agentPort));
    }

    @Override
    public String toString() {
        return pool + "/" + server + " agent " + address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}

package io.halb.proxy;

import java.net.InetSocketAddress;

/**
 * What happened to one TCP session.
 *
 * @param server      the server it was relayed to, or {@code null} when none could be reached
 * @param bytesIn     bytes from the client
 * @param bytesOut    bytes to the client
 * @param durationNanos accept to close
 * @param connected   whether a server connection was made
 */
public record SessionRecord(
        String listener,
        InetSocketAddress client,
        String pool,
        String server,
        long bytesIn,
        long bytesOut,
        long startMillis,
        long durationNanos,
        boolean connected) {}

package io.halb.balance;

import java.net.InetAddress;

/**
 * What a balancer may know about the request or connection it places. Implemented by the proxy
 * without copying: methods are called on the event loop of the client's channel, only during
 * {@link Balancer#pick(PickContext)}.
 */
public interface PickContext {

    /** The client's address (after PROXY protocol, when trusted). */
    InetAddress clientAddress();

    /** The request target's path and query as received, or {@code null} for a tcp connection. */
    default String uri() { return null; }

    /** The first value of a request header, by lower-case name, or {@code null}. */
    default String header(String lowerCaseName) { return null; }

    /** The value of a request cookie, or {@code null}. */
    default String cookie(String name) { return null; }

    /** Whether the request already failed on this server (retries go to another one). */
    default boolean tried(Endpoint endpoint) { return false; }

    /** A context that knows only the client address. */
    static PickContext ofClient(InetAddress client) {
        return () -> client;
    }
}

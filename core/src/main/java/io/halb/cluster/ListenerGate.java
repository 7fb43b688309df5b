package io.halb.cluster;

/**
 * Opens and closes the listeners bound to a VIP's address, for {@code driver: none}: implemented
 * by the server. Called from the cluster's thread, never from an event loop.
 */
public interface ListenerGate {

    /** Binds every listener whose bind host is {@code host}; throws when one cannot be bound. */
    void open(String host) throws Exception;

    /** Closes every listener whose bind host is {@code host}; connections in flight finish. */
    void close(String host);
}

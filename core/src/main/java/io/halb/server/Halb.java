package io.halb.server;

import io.halb.config.HalbConfig;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A running halb: its listeners bound and serving one configuration snapshot.
 *
 * <p>Thread-safety: all methods may be called from any thread except an event loop.
 */
public final class Halb implements AutoCloseable {

    /** Binds every listener of {@code config} and returns once they accept connections. */
    public static Halb start(HalbConfig config) throws Exception {
        throw new UnsupportedOperationException("TODO");
    }

    /** The bound address of a listener (port 0 in the configuration is resolved here). */
    public InetSocketAddress address(String listener) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Stops gracefully: stops accepting, lets in-flight requests finish within {@code grace}, then
     * closes every connection and releases the event loops. Returns when everything is closed.
     */
    public void stop(Duration grace) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Stops at once: {@code stop(Duration.ZERO)}. */
    @Override
    public void close() {
        stop(Duration.ZERO);
    }
}

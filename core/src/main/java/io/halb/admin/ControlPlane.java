package io.halb.admin;

import io.halb.cluster.ClusterStatus;
import io.halb.config.ServerConfig;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the admin API may read and change of a running halb. Implemented by the server; every
 * change goes through the same paths as a reload, so it is validated and kept across reloads.
 *
 * <p>Thread-safety: every method may be called from any thread but an event loop (changes may
 * write the state file); reads are cheap snapshots.
 */
public interface ControlPlane {

    StatusView status();

    List<ListenerView> listeners();

    List<PoolView> pools();

    /**
     * Sets a server's operator state: {@code ready}, {@code drain} or {@code maint}.
     *
     * @throws NotFoundException        no such pool or server
     * @throws IllegalArgumentException an unknown state
     */
    void setServerState(String pool, String server, String state);

    /**
     * Sets a server's weight (0..256; 0 takes it out of rotation).
     *
     * @throws NotFoundException        no such pool or server
     * @throws IllegalArgumentException a weight out of range
     */
    void setServerWeight(String pool, String server, int weight);

    /**
     * Adds a server to a pool (kept across reloads and restarts).
     *
     * @throws NotFoundException        no such pool
     * @throws IllegalArgumentException a server of that name exists, or the server is invalid
     */
    void addServer(String pool, ServerConfig server);

    /**
     * Removes a server from a pool; requests in flight to it finish.
     *
     * @throws NotFoundException        no such pool or server
     * @throws IllegalArgumentException it is the pool's last primary server
     */
    void removeServer(String pool, String server);

    /** Reloads the configuration file: validate, build, swap; an invalid file changes nothing. */
    ReloadResult reload();

    /** The configuration being served, as YAML-shaped maps and lists, with secrets redacted. */
    Object effectiveConfig();

    /** The cluster as this node sees it (members, VIP owners); empty for a single node. */
    default Optional<ClusterStatus> cluster() {
        return Optional.empty();
    }

    /** Receives every state change from now on (on any thread, must not block); returns the unsubscriber. */
    Runnable subscribe(Consumer<AdminEvent> listener);

    /** A name that does not exist. */
    final class NotFoundException extends RuntimeException {
        public NotFoundException(String message) {
            super(message, null, false, false);
        }
    }
}

package io.halb.cluster;

import io.halb.config.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The {@code track} check: every target must accept a TCP connection for this node to be allowed to
 * hold a VIP. Two failed rounds in a row make the node ineligible, two good rounds eligible again.
 * A node in a two-node cluster that has lost its uplink therefore gives its VIPs up, and the node
 * that still reaches the targets holds them alone.
 *
 * <p>Thread-safety: runs on its own thread; {@code onChange} is called there.
 */
final class Track implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Track.class);
    static final int INTERVAL_MS = 300;
    static final int TIMEOUT_MS = 300;
    private static final int FALL = 2;
    private static final int RISE = 2;

    private final List<HostPort> targets;
    private final Consumer<Boolean> onChange;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "halb-cluster-track");
        t.setDaemon(true);
        return t;
    });
    // Confined to the track thread.
    private boolean ok = true;
    private int failures;
    private int successes;

    Track(List<HostPort> targets, Consumer<Boolean> onChange) {
        this.targets = List.copyOf(targets);
        this.onChange = onChange;
    }

    /** Checks once now (blocking the caller) and then every interval; returns the first verdict. */
    boolean start() {
        ok = reachable() == null;
        if (!ok) {
            failures = FALL;
        }
        thread.scheduleWithFixedDelay(this::round, INTERVAL_MS, INTERVAL_MS, TimeUnit.MILLISECONDS);
        return ok;
    }

    private void round() {
        String failed = reachable();
        if (failed == null) {
            failures = 0;
            successes++;
            if (!ok && successes >= RISE) {
                ok = true;
                log.info("cluster: track targets {} answer again; this node may hold VIPs", targets);
                onChange.accept(true);
            }
        } else {
            successes = 0;
            failures++;
            if (ok && failures >= FALL) {
                ok = false;
                log.info("cluster: track target {} does not answer; this node gives up its VIPs", failed);
                onChange.accept(false);
            }
        }
    }

    /** The first target that did not accept a connection, or null when all did. */
    private String reachable() {
        for (HostPort t : targets) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(t.host(), t.port()), TIMEOUT_MS);
            } catch (IOException e) {
                return t.toString();
            }
        }
        return null;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}

package io.halb.cluster;

import io.halb.config.ClusterConfig.VipConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A small shell process beside the JVM that sends the gratuitous ARPs of the {@code linux} driver
 * and cleans up after a crash. It reads commands from a pipe: {@code A addr iface} starts an
 * {@code arping -U -c 1} in the background; {@code R} kills the arpings still running;
 * {@code H cidr@iface ...} names the addresses this node has configured. When the pipe closes
 * (the JVM exited, even by SIGKILL) it kills its arpings and deletes those addresses.
 *
 * <p>Why: a killed node must neither keep answering ARP for a VIP that a survivor has taken, nor
 * let an announcement it started a moment ago (arping runs about a second) point clients back at
 * itself after the survivor's. Writing a line to a pipe also costs far less than spawning a process
 * in the failover path.
 *
 * <p>Thread-safety: all methods may be called from any thread; writes are serialized.
 */
final class VipGuardian implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VipGuardian.class);
    /** Announcements per take, this far apart: one may be lost, three rarely are. */
    static final int ANNOUNCEMENTS = 3;
    static final long ANNOUNCE_SPACING_MS = 200;

    private static final String SCRIPT = """
            held=""; pids=""
            stop() { for p in $pids; do kill "$p" 2>/dev/null; done; pids=""; }
            while IFS= read -r line; do
              set -- $line
              case "$1" in
                A) arping -q -U -c 1 -I "$3" "$2" >/dev/null 2>&1 & pids="$pids $!" ;;
                R) stop ;;
                H) shift; held="$*" ;;
              esac
            done
            stop
            for a in $held; do ip addr del "${a%@*}" dev "${a#*@}" 2>/dev/null; done
            """;

    private final Process process;
    private final OutputStream pipe;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "halb-cluster-garp");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, List<ScheduledFuture<?>>> pending = new HashMap<>();

    private VipGuardian(Process process) {
        this.process = process;
        this.pipe = process.getOutputStream();
    }

    static VipGuardian start() throws IOException {
        Process p = new ProcessBuilder("sh", "-c", SCRIPT)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        return new VipGuardian(p);
    }

    /** Tells the guardian which addresses to delete should the JVM die now. */
    void configured(Collection<VipConfig> vips) {
        StringJoiner line = new StringJoiner(" ", "H ", "");
        for (VipConfig v : vips) {
            line.add(v.cidr() + "@" + v.iface());
        }
        write(line.toString());
    }

    /** Announces {@code vip} now and twice more, {@value #ANNOUNCE_SPACING_MS} ms apart; never waits. */
    synchronized void announce(VipConfig vip) {
        String line = "A " + vip.host() + " " + vip.iface();
        write(line);
        List<ScheduledFuture<?>> later = new ArrayList<>();
        for (int i = 1; i < ANNOUNCEMENTS; i++) {
            later.add(timer.schedule(() -> write(line), i * ANNOUNCE_SPACING_MS, TimeUnit.MILLISECONDS));
        }
        List<ScheduledFuture<?>> previous = pending.put(vip.address(), later);
        if (previous != null) {
            previous.forEach(f -> f.cancel(false));
        }
    }

    /** Stops announcing {@code vip}: cancels what is scheduled and kills running arpings. */
    synchronized void silence(VipConfig vip) {
        List<ScheduledFuture<?>> later = pending.remove(vip.address());
        if (later != null) {
            later.forEach(f -> f.cancel(false));
        }
        write("R");
    }

    private synchronized void write(String line) {
        try {
            pipe.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            pipe.flush();
        } catch (IOException e) {
            log.info("cluster: VIP guardian gone ({}); a crash would leave VIPs configured", e.getMessage());
        }
    }

    /** An orderly end: nothing is configured any more, so the guardian exits with nothing to delete. */
    @Override
    public void close() {
        timer.shutdownNow();
        configured(List.of());
        synchronized (this) {
            try {
                pipe.close();
            } catch (IOException e) {
                // already gone
            }
        }
        process.onExit().orTimeout(2, TimeUnit.SECONDS);
    }
}

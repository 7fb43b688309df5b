package io.halb.tls;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Polls the certificate and key files in use for changes, on a thread of its own (file I/O never
 * runs on an event loop), and has what changed read again.
 *
 * <p>Thread-safety: {@link #close()} may be called from any thread.
 */
public final class CertificateWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CertificateWatcher.class);

    /** How often files are looked at: a stat per file, so cheap. */
    public static final Duration INTERVAL = Duration.ofSeconds(1);

    private final ScheduledExecutorService thread;

    private CertificateWatcher(Supplier<? extends Collection<? extends Reloadable>> watched, Duration interval) {
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "halb-tls-reload");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(() -> {
            for (Reloadable r : watched.get()) {
                try {
                    r.refresh();
                } catch (RuntimeException e) {
                    log.error("{}: certificate reload failed: {}", r, e.toString());
                }
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts polling what {@code watched} returns each time (the current configuration's TLS). */
    public static CertificateWatcher start(Supplier<? extends Collection<? extends Reloadable>> watched) {
        return new CertificateWatcher(watched, INTERVAL);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}

package io.halb.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * SIGTERM and SIGINT as a graceful stop: the first one lets the caller stop cleanly and exit 0; a
 * second one exits at once. A JVM shutdown hook could not choose the exit status, hence signals.
 * SIGHUP (reload) and SIGUSR1 (reopen logs) run their actions on the JVM's signal thread.
 */
@SuppressWarnings("restriction")
final class StopSignals {

    private static final Logger log = LoggerFactory.getLogger(StopSignals.class);

    private StopSignals() {}

    /** Blocks until SIGTERM or SIGINT, running {@code onHup} on SIGHUP and {@code onUsr1} on SIGUSR1. */
    static void awaitStop(Runnable onHup, Runnable onUsr1) throws InterruptedException {
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> onHup.run());
        sun.misc.Signal.handle(new sun.misc.Signal("USR1"), sig -> onUsr1.run());
        awaitStop();
    }

    /** Blocks until SIGTERM or SIGINT. */
    static void awaitStop() throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        AtomicInteger count = new AtomicInteger();
        sun.misc.SignalHandler handler = sig -> {
            if (count.incrementAndGet() > 1) {
                log.warn("second SIG{}: exiting now", sig.getName());
                Runtime.getRuntime().halt(1);
            }
            stop.countDown();
        };
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), handler);
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), handler);
        stop.await();
    }
}

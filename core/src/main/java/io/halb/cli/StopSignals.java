package io.halb.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * SIGTERM and SIGINT as a graceful stop: the first one lets the caller stop cleanly and exit 0; a
 * second one exits at once. A JVM shutdown hook could not choose the exit status, hence signals.
 */
@SuppressWarnings("restriction")
final class StopSignals {

    private static final Logger log = LoggerFactory.getLogger(StopSignals.class);

    private StopSignals() {}

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

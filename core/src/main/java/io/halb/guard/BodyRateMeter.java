package io.halb.guard;

import java.util.concurrent.TimeUnit;

/**
 * Measures how fast a request body arrives while halb waits for it, to close slow senders (the
 * slow-POST form of slowloris): a client must send at least {@code min_body_rate} bytes a second.
 *
 * <p>Only the time halb is asking for the body counts: when the server is slow to take it,
 * backpressure stops reads and the client is not to blame. The check runs once per
 * {@link #WINDOW_NANOS}: a window in which halb waited at least half the time and got fewer bytes
 * than the rate times the waiting time fails. A body that ends first is never judged, so short
 * bodies sent at once always pass.
 *
 * <p>Thread-safety: confined to the client channel's event loop.
 */
public final class BodyRateMeter {

    /** How often the rate is judged, and over what stretch of waiting. */
    public static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final long minBytesPerSecond;
    private long wantedNanos;
    private long wantingSince = -1;
    private boolean wanting;
    private long bytes;

    public BodyRateMeter(long minBytesPerSecond) {
        this.minBytesPerSecond = minBytesPerSecond;
    }

    /** halb asked the client for more of the body. */
    public void wanting(long nowNanos) {
        if (!wanting) {
            wanting = true;
            wantingSince = nowNanos;
        }
    }

    /** A piece of the body arrived. */
    public void received(long length, long nowNanos) {
        bytes += length;
        if (wanting) {
            wanting = false;
            wantedNanos += nowNanos - wantingSince;
        }
    }

    /** Judges the window that ends now and starts the next: whether the client was too slow. */
    public boolean windowTooSlow(long nowNanos) {
        long wanted = wantedNanos + (wanting ? nowNanos - wantingSince : 0);
        boolean slow = wanted >= WINDOW_NANOS / 2 && bytes * 1_000_000_000.0 < (double) minBytesPerSecond * wanted;
        wantedNanos = 0;
        bytes = 0;
        if (wanting) {
            wantingSince = nowNanos;
        }
        return slow;
    }
}

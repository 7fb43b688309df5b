package io.halb.agent;

import java.io.IOException;

/**
 * What the agent knows about its machine. Values are the latest sample; reading them is cheap and
 * never blocks.
 *
 * <p>Thread-safety: implementations are safe for concurrent use. {@link #refresh()} is called by
 * one thread (the agent's sampler); the accessors by any thread, including event loops.
 */
public interface MachineMetrics {

    /** The share of CPU time that was idle over the last sampling interval, 0..1. */
    double cpuIdle();

    /** The share of memory available to new work (Linux's MemAvailable / MemTotal), 0..1. */
    double memoryAvailable();

    /** Established connections of the watched service; 0 when no service is watched. */
    int sessions();

    /** Takes a new sample. Called off the event loops, once per sampling interval; may block briefly. */
    default void refresh() throws IOException {
    }
}

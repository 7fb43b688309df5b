package io.halb.proxy.http;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The idle and header-read deadlines of the HTTP/1.x client connections of one event loop, kept by
 * one scheduled task for all of them instead of one {@code ScheduledFutureTask} (and a lambda) per
 * connection: an idle keep-alive connection then costs this table one array slot, not 80 bytes
 * (issue 9's idle-connection memory).
 *
 * <p>A connection's deadline lives in its handler ({@link HttpFrontendHandler#idleDeadlineNanos},
 * 0: disarmed). Arming it puts the handler in the table and makes sure a sweep is due by then;
 * disarming only clears the deadline (no table work per request), and a sweep drops disarmed
 * handlers; a closed connection leaves at once ({@link #remove}). A sweep walks the table, expires
 * what is due and schedules the next sweep for the earliest deadline left, but never sooner than
 * {@link #MIN_GAP_NANOS} after this one: with many deadlines close together a deadline may be
 * overrun by up to that much, and the walks stay few.
 *
 * <p>Thread-safety: confined to its event loop; {@link #of} is called on it.
 */
final class IdleSweeper {

    /** Sweeps are at least this far apart; a deadline is met within this much. */
    static final long MIN_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final int INITIAL = 16;

    private static final FastThreadLocal<IdleSweeper> PER_THREAD = new FastThreadLocal<>();

    private final EventExecutor loop;
    private final Runnable sweep = this::sweep;
    private HttpFrontendHandler[] members = new HttpFrontendHandler[INITIAL];
    private int size;
    private ScheduledFuture<?> task;
    private long taskDueNanos;
    private long lastSweepNanos;

    private IdleSweeper(EventExecutor loop) {
        this.loop = loop;
        this.lastSweepNanos = System.nanoTime() - MIN_GAP_NANOS;
    }

    /** The sweeper of {@code loop}; called on {@code loop}. */
    static IdleSweeper of(EventExecutor loop) {
        IdleSweeper s = PER_THREAD.get();
        if (s == null || s.loop != loop) {
            // A thread serves one event loop; another executor on this thread (tests) gets its own.
            s = new IdleSweeper(loop);
            PER_THREAD.set(s);
        }
        return s;
    }

    /** Connections whose deadline the table holds now (armed, or disarmed since the last sweep). */
    int size() {
        return size;
    }

    /** {@code h} has just set its deadline to {@code deadlineNanos}: it will be expired by then (+ the gap). */
    void armed(HttpFrontendHandler h, long deadlineNanos) {
        if (h.sweepSlot < 0) {
            if (size == members.length) {
                members = Arrays.copyOf(members, size * 2);
            }
            members[size] = h;
            h.sweepSlot = size++;
        }
        long due = Math.max(deadlineNanos, lastSweepNanos + MIN_GAP_NANOS);
        if (task != null && taskDueNanos - due <= 0) {
            return;
        }
        if (task != null) {
            task.cancel(false);
        }
        schedule(due);
    }

    /** {@code h}'s connection is gone: it leaves the table now. */
    void remove(HttpFrontendHandler h) {
        int slot = h.sweepSlot;
        if (slot >= 0 && slot < size && members[slot] == h) {
            removeAt(slot);
        }
    }

    private void removeAt(int slot) {
        HttpFrontendHandler gone = members[slot];
        HttpFrontendHandler last = members[--size];
        members[size] = null;
        if (slot != size) {
            members[slot] = last;
            last.sweepSlot = slot;
        }
        gone.sweepSlot = -1;
    }

    private void schedule(long dueNanos) {
        taskDueNanos = dueNanos;
        task = loop.schedule(sweep, Math.max(0, dueNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void sweep() {
        task = null;
        long now = System.nanoTime();
        lastSweepNanos = now;
        boolean any = false;
        long earliest = 0;
        for (int i = 0; i < size; ) {
            HttpFrontendHandler h = members[i];
            long deadline = h.idleDeadlineNanos;
            if (deadline == 0) {
                removeAt(i); // disarmed since it was armed
            } else if (deadline - now <= 0) {
                removeAt(i);
                h.idleExpired(); // may close the connection; a handler it re-arms is appended
            } else {
                if (!any || deadline - earliest < 0) {
                    earliest = deadline;
                    any = true;
                }
                i++;
            }
        }
        if (size < members.length / 4 && members.length > INITIAL) {
            members = Arrays.copyOf(members, Math.max(INITIAL, members.length / 2));
        }
        if (any) {
            long due = Math.max(earliest, now + MIN_GAP_NANOS);
            if (task != null && taskDueNanos - due > 0) {
                task.cancel(false); // one an expiry re-armed, due later than what is left here
                task = null;
            }
            if (task == null) {
                schedule(due);
            }
        }
    }
}

package io.halb.proxy;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests waiting for a free slot when every server of a pool is at its {@code max_connections}:
 * first come, first served, bounded by {@code max_queue}. A slot freed anywhere in the pool hands
 * the oldest waiter its turn; the waiter hops to its own event loop to take it.
 *
 * <p>Thread-safety: lock-free; used by every event loop.
 */
public final class RequestQueue {

    /** A queued request; {@link #resume()} may be called from any thread and must hop to its own. */
    public interface Waiter {
        void resume();
    }

    private final int capacity;
    private final ConcurrentLinkedDeque<Waiter> waiting = new ConcurrentLinkedDeque<>();
    private final AtomicInteger size = new AtomicInteger();

    public RequestQueue(int capacity) {
        this.capacity = capacity;
    }

    /** Queues a waiter at the back; false when the queue is full. */
    public boolean offer(Waiter waiter) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            return false;
        }
        waiting.addLast(waiter);
        return true;
    }

    /** Puts back at the front a waiter whose turn came but found no slot (another request took it). */
    public void requeue(Waiter waiter) {
        size.incrementAndGet();
        waiting.addFirst(waiter);
    }

    /** Takes a waiter out (it timed out or its client left); false when it had already been resumed. */
    public boolean remove(Waiter waiter) {
        if (waiting.removeFirstOccurrence(waiter)) {
            size.decrementAndGet();
            return true;
        }
        return false;
    }

    /** A slot was freed: the oldest waiter gets its turn. */
    public void slotFreed() {
        if (size.get() == 0) {
            return;
        }
        Waiter w = waiting.pollFirst();
        if (w != null) {
            size.decrementAndGet();
            w.resume();
        }
    }

    /** Requests waiting now. */
    public int size() {
        return size.get();
    }

    public int capacity() {
        return capacity;
    }
}

package io.halb.testing;

import io.netty.util.internal.PlatformDependent;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches heap and direct memory while a transfer runs, to prove that a body streamed through halb
 * is not buffered. A background thread collects garbage and samples every {@code interval}; the
 * growth is the highest sample minus the baseline taken (after collecting) when the watch started.
 *
 * <p>Direct memory counts both the JDK's direct buffers and Netty's cleaner-less ones: Netty would
 * buffer there, invisible to the heap.
 */
public final class MemoryWatch implements AutoCloseable {

    private final long baselineHeap;
    private final long baselineDirect;
    private final AtomicLong maxHeap = new AtomicLong();
    private final AtomicLong maxDirect = new AtomicLong();
    private final Thread sampler;
    private volatile boolean running = true;

    private MemoryWatch(long intervalMillis) {
        gc();
        baselineHeap = heapUsed();
        baselineDirect = directUsed();
        maxHeap.set(baselineHeap);
        maxDirect.set(baselineDirect);
        sampler = new Thread(() -> {
            while (running) {
                try {
                    TimeUnit.MILLISECONDS.sleep(intervalMillis);
                } catch (InterruptedException e) {
                    return;
                }
                sample();
            }
        }, "memory-watch");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Takes the baseline now and samples every {@code intervalMillis} until closed. */
    public static MemoryWatch start(long intervalMillis) {
        return new MemoryWatch(intervalMillis);
    }

    /** Highest heap used after a collection, minus the baseline. */
    public long heapGrowth() {
        return maxHeap.get() - baselineHeap;
    }

    /** Highest direct memory used, minus the baseline. */
    public long directGrowth() {
        return maxDirect.get() - baselineDirect;
    }

    /** Stops sampling after one last sample. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        sampler.interrupt();
        sampler.join(5_000);
        sample();
    }

    @Override
    public String toString() {
        return "heap +" + (heapGrowth() >> 20) + " MiB (baseline " + (baselineHeap >> 20) + " MiB), direct +"
                + (directGrowth() >> 20) + " MiB (baseline " + (baselineDirect >> 20) + " MiB)";
    }

    private void sample() {
        gc();
        maxHeap.accumulateAndGet(heapUsed(), Math::max);
        maxDirect.accumulateAndGet(directUsed(), Math::max);
    }

    @SuppressWarnings("ExplicitGC")
    private static void gc() {
        System.gc();
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long directUsed() {
        long total = Math.max(0, PlatformDependent.usedDirectMemory());
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                total += pool.getMemoryUsed();
            }
        }
        return total;
    }
}

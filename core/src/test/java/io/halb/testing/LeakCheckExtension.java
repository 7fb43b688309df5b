package io.halb.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Fails a test class when Netty's {@code ResourceLeakDetector} reported a leak while it ran.
 *
 * <p>Registered for every test class through {@code META-INF/services} (extension autodetection is
 * on in {@code junit-platform.properties}). It attaches, once per test run, a Logback appender to
 * the logger {@code io.netty.util.ResourceLeakDetector} that keeps every event whose message
 * contains {@code LEAK:}. After a class's tests it collects garbage and allocates and releases a
 * few buffers, because the detector only polls its reference queue when a new resource is tracked,
 * then fails the class with every leak record seen since the previous check.
 *
 * <p>Surefire sets the detection level to paranoid, so every buffer is tracked.
 */
public final class LeakCheckExtension implements BeforeAllCallback, AfterAllCallback {

    private static final String LEAK_LOGGER = "io.netty.util.ResourceLeakDetector";
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(LeakCheckExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        capture(context).attach();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        LeakCapture capture = capture(context);
        capture.attach();
        provokeLeakReports();
        List<String> leaks = capture.drain();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " buffer leak(s) reported by Netty while "
                    + context.getDisplayName() + " ran:\n\n" + String.join("\n\n", leaks));
        }
    }

    /** The one capture of this test run, kept in the root store so it is installed once. */
    private static LeakCapture capture(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(LeakCapture.class, k -> new LeakCapture(), LeakCapture.class);
    }

    /**
     * Makes garbage-collected, unreleased buffers show up: collects garbage, gives the reference
     * handler a moment to enqueue, then tracks new buffers so the detector polls its queue.
     */
    private static void provokeLeakReports() {
        ByteBufAllocator[] allocators = {
            PooledByteBufAllocator.DEFAULT, UnpooledByteBufAllocator.DEFAULT, ByteBufAllocator.DEFAULT
        };
        for (int round = 0; round < 3; round++) {
            System.gc();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(30));
            for (ByteBufAllocator alloc : allocators) {
                for (int i = 0; i < 16; i++) {
                    ByteBuf direct = alloc.directBuffer(64);
                    direct.release();
                    ByteBuf heap = alloc.heapBuffer(64);
                    heap.release();
                }
            }
        }
    }

    /**
     * The appender and what it saw. Thread-safe: Logback calls {@code append} from whichever thread
     * tracked the resource; {@link #drain} runs on the test thread.
     */
    private static final class LeakCapture extends AppenderBase<ILoggingEvent>
            implements ExtensionContext.Store.CloseableResource {

        private final ConcurrentLinkedQueue<String> leaks = new ConcurrentLinkedQueue<>();
        private final Logger logger;

        LeakCapture() {
            LoggerContext loggerContext = (LoggerContext) LoggerFactory.getILoggerFactory();
            logger = loggerContext.getLogger(LEAK_LOGGER);
            setContext(loggerContext);
            setName("halb-leak-check");
            start();
        }

        /** Attaches to the leak logger unless already attached (a Logback reset detaches appenders). */
        synchronized void attach() {
            if (logger.getAppender(getName()) == null) {
                logger.addAppender(this);
            }
        }

        @Override
        protected void append(ILoggingEvent event) {
            String message = event.getFormattedMessage();
            if (message != null && message.contains("LEAK:")) {
                leaks.add(message);
            }
        }

        List<String> drain() {
            List<String> out = new ArrayList<>();
            for (String s; (s = leaks.poll()) != null; ) {
                out.add(s);
            }
            return out;
        }

        @Override
        public void close() {
            logger.detachAppender(this);
            stop();
        }
    }
}

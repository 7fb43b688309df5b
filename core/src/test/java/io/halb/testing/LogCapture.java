package io.halb.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Collects, while open, every log event at WARN or above that carries an unexpected exception: one
 * that is not an {@link IOException} (peers resetting and closing connections are expected in
 * these tests; a {@code NullPointerException} thrown from a listener or an exception that reached
 * the end of a pipeline is a bug even when the client got its answer).
 *
 * <p>Thread-safety: events arrive from any thread; read {@link #unexpected()} from the test thread.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
    private final Logger root;

    private LogCapture() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        setContext(context);
        setName("halb-unexpected-exceptions-" + System.identityHashCode(this));
        start();
        root.addAppender(this);
    }

    /** Starts collecting. */
    public static LogCapture unexpectedExceptions() {
        return new LogCapture();
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (!event.getLevel().isGreaterOrEqual(Level.WARN)) {
            return;
        }
        IThrowableProxy proxy = event.getThrowableProxy();
        if (proxy == null) {
            return;
        }
        Throwable t = proxy instanceof ThrowableProxy tp ? tp.getThrowable() : null;
        if (t instanceof IOException) {
            return;
        }
        StringBuilder sb = new StringBuilder()
                .append(event.getLevel()).append(" [").append(event.getThreadName()).append("] ")
                .append(event.getLoggerName()).append(" - ").append(event.getFormattedMessage()).append('\n')
                .append(proxy.getClassName()).append(": ").append(proxy.getMessage());
        var frames = proxy.getStackTraceElementProxyArray();
        for (int i = 0; i < Math.min(8, frames.length); i++) {
            sb.append("\n\tat ").append(frames[i].getStackTraceElement());
        }
        unexpected.add(sb.toString());
    }

    /** What was collected so far. */
    public List<String> unexpected() {
        return List.copyOf(unexpected);
    }

    /** Stops collecting. */
    @Override
    public void close() {
        root.detachAppender(this);
        stop();
    }
}

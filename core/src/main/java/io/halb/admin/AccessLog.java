package io.halb.admin;

import io.halb.config.AccessLogConfig;
import io.halb.proxy.RequestRecord;
import io.halb.proxy.SessionRecord;
import io.halb.proxy.TrafficObserver;
import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one line per HTTP request or TCP session, in the {@code combined} or
 * {@code json} format ({@link AccessLogFormat}), to a file or standard output.
 *
 * <p>The event loops only hand records over: {@link #requestDone} and {@link #sessionDone} put the
 * record in a bounded queue and return; when the queue is full the line is dropped and counted
 * ({@link #dropped()}) rather than making a client wait for the disk. One daemon thread formats and
 * writes, flushing whenever it has emptied the queue (so a line shows up as soon as the writer is
 * idle) and at least once a second under sustained load.
 *
 * <p>Thread-safe: every method may be called from any thread. {@link #reopen()} is for log rotation
 * (move the file away, then reopen: new lines go to a new file at the configured path).
 */
public final class AccessLog implements TrafficObserver, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);

    static final int DEFAULT_CAPACITY = 65_536;
    private static final int BUFFER_CHARS = 64 * 1024;
    /** Records written per hold of the lock, so that {@link #reopen()} never waits for a long backlog. */
    private static final int BATCH = 1024;
    private static final long FLUSH_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long WARN_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Wakes the writer when closing; not a record. */
    private static final Object CLOSE = new Object();

    private final Optional<Path> file;
    /** Written by event loops (offer), read by the writer thread. */
    private final BlockingQueue<Object> queue;
    private final LongAdder dropped = new LongAdder();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Guards {@link #out}: held by the writer thread while it writes, and by {@link #reopen()} and {@link #close()}. */
    private final ReentrantLock lock = new ReentrantLock();
    private Writer out;
    /** Used only by the writer thread. */
    private final AccessLogFormat format;
    /** Used only by the writer thread: when it last logged a warning. */
    private long lastWarnNanos = System.nanoTime() - WARN_NANOS;
    private final Thread writer;

    /**
     * Opens the log described by {@code config} and starts its writer thread. Times in the
     * {@code combined} format are in the system's time zone, as NGINX writes them.
     *
     * @throws IOException when the file cannot be opened for appending
     */
    public static AccessLog open(AccessLogConfig config) throws IOException {
        return new AccessLog(config.file(), System.out, config.format(), DEFAULT_CAPACITY, ZoneId.systemDefault());
    }

    /**
     * @param file     the file to append to; empty = {@code stdout}
     * @param stdout   where lines go when there is no file (flushed, never closed)
     * @param capacity how many records may wait for the writer before lines are dropped
     * @param zone     the time zone of the {@code combined} format's dates
     */
    AccessLog(Optional<Path> file, OutputStream stdout, AccessLogConfig.Format format, int capacity, ZoneId zone)
            throws IOException {
        this.file = Objects.requireNonNull(file, "file");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.format = AccessLogFormat.of(format, zone);
        this.out = file.isPresent() ? open(file.get()) : new BufferedWriter(
                new OutputStreamWriter(Objects.requireNonNull(stdout, "stdout"), StandardCharsets.UTF_8), BUFFER_CHARS);
        this.writer = new Thread(this::run, "halb-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    private static Writer open(Path file) throws IOException {
        // FileOutputStream rather than Files.newOutputStream: its writes are not interruptible, so a
        // stray interrupt of the writer thread cannot close the log.
        try {
            return new BufferedWriter(new OutputStreamWriter(new FileOutputStream(file.toFile(), true),
                    StandardCharsets.UTF_8), BUFFER_CHARS);
        } catch (IOException e) {
            throw new IOException("access_log " + file + ": cannot open for appending: " + e.getMessage(), e);
        }
    }

    @Override
    public void requestDone(RequestRecord record) {
        enqueue(record);
    }

    @Override
    public void sessionDone(SessionRecord record) {
        enqueue(record);
    }

    private void enqueue(Object record) {
        if (closed.get() || !queue.offer(record)) {
            dropped.increment();
        }
    }

    /** Lines not written: the queue was full (the writer fell behind), a write failed, or the log was closed. */
    public long dropped() {
        return dropped.sum();
    }

    /** The file written to; empty for standard output. */
    public Optional<Path> file() {
        return file;
    }

    /**
     * Closes the file and opens it again at its path, for log rotation: after the old file was
     * moved away, new lines go to a new file. Lines already handed to the old file stay there. Does
     * nothing for standard output or after {@link #close()}. Blocks for at most one batch of writes.
     *
     * @throws IOException when the file cannot be opened; the log then keeps writing to the old one
     */
    public void reopen() throws IOException {
        if (file.isEmpty() || closed.get()) {
            return;
        }
        Writer fresh = open(file.get());
        Writer old;
        lock.lock();
        try {
            if (closed.get()) {
                old = fresh;
            } else {
                old = out;
                out = fresh;
            }
        } finally {
            lock.unlock();
        }
        try {
            old.close();
        } catch (IOException e) {
            log.warn("access log {}: closing the previous file: {}", file.get(), e.toString());
        }
        log.info("access log reopened: {}", file.get());
    }

    /** Writes what is queued, flushes, and closes the file (standard output is only flushed). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        queue.offer(CLOSE); // when full, the writer is busy anyway and sees closed once it has emptied the queue
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            log.warn("access log {}: the writer did not finish within 10 s; closing anyway", target());
        }
        lock.lock();
        try {
            if (file.isPresent()) {
                out.close();
            } else {
                out.flush();
            }
        } catch (IOException e) {
            log.warn("access log {}: closing: {}", target(), e.toString());
        } finally {
            lock.unlock();
        }
    }

    private String target() {
        return file.map(Path::toString).orElse("stdout");
    }

    // ---- the writer thread

    private void run() {
        StringBuilder line = new StringBuilder(512);
        long lastFlush = System.nanoTime();
        long warnedDrops = 0;
        while (true) {
            Object next;
            try {
                next = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                // Only close() ends this thread, after the queue is written out.
                next = null;
            }
            if (next != null) {
                lock.lock();
                try {
                    int n = 0;
                    do {
                        if (next != CLOSE) {
                            write(next, line);
                        }
                    } while (++n < BATCH && (next = queue.poll()) != null);
                    long now = System.nanoTime();
                    if (queue.isEmpty() || now - lastFlush >= FLUSH_NANOS) {
                        out.flush();
                        lastFlush = now;
                    }
                } catch (IOException e) {
                    warn("access log " + target() + ": flush failed, lines lost: " + e, null);
                } finally {
                    lock.unlock();
                }
            }
            long drops = dropped.sum();
            if (drops != warnedDrops && warn("access log " + target() + ": " + (drops - warnedDrops)
                    + " lines dropped (queue of " + (queue.size() + queue.remainingCapacity())
                    + " full, or writes failing); " + drops + " in all", null)) {
                warnedDrops = drops;
            }
            if (closed.get() && queue.isEmpty()) {
                return;
            }
        }
    }

    /** Formats and writes one record; a failure costs that line only. Called with {@link #lock} held. */
    private void write(Object record, StringBuilder line) {
        line.setLength(0);
        try {
            if (record instanceof RequestRecord r) {
                format.request(r, line);
            } else {
                format.session((SessionRecord) record, line);
            }
            out.append(line);
        } catch (IOException | RuntimeException e) {
            dropped.increment();
            if (e instanceof RuntimeException) {
                warn("access log: cannot format " + record, e);
            }
        }
    }

    /** Logs at most one warning per 10 s; returns whether this one was logged. */
    private boolean warn(String message, Throwable cause) {
        long now = System.nanoTime();
        if (now - lastWarnNanos < WARN_NANOS) {
            return false;
        }
        lastWarnNanos = now;
        log.warn(message, cause);
        return true;
    }
}

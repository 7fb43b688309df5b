package io.halb.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Keeps a listener busy: several client threads, each on its own kept-alive {@link RawClient}
 * connection, send requests one after another and record the outcome of every one of them, so a
 * test can say "not a single request failed" and mean it. A request whose connection breaks is
 * recorded as a failure (status {@value #BROKEN}) and the thread reconnects; a response with
 * {@code Connection: close} makes it reconnect too.
 *
 * <p>Thread-safety: started and stopped by the test thread; the accessors may be called from any
 * thread while the load runs.
 */
public final class ClientLoad implements AutoCloseable {

    /** The status recorded for a request that got no response (the connection broke or timed out). */
    public static final int BROKEN = -1;

    /** Makes the bytes of request {@code sequence} (counted over all threads, from 0). */
    @FunctionalInterface
    public interface Requests {
        String request(int thread, long sequence);
    }

    /**
     * How one request ended.
     *
     * @param endNanos     {@link System#nanoTime()} when the response (or the failure) arrived
     * @param elapsedNanos from writing the request to that moment
     * @param status       the response status, or {@link #BROKEN}
     * @param backend      the {@code X-Backend} header, or {@code "halb"} for an answer halb made
     *                     itself, or {@code ""} when there was no response
     * @param detail       the first line of the body of an answer other than 200, or the exception
     */
    public record Outcome(long sequence, long endNanos, long elapsedNanos, int status, String backend, String detail) {
        public boolean ok() {
            return status == 200;
        }

        @Override
        public String toString() {
            return "#" + sequence + " " + (status == BROKEN ? "broken" : status) + " from " + backend
                    + " after " + TimeUnit.NANOSECONDS.toMillis(elapsedNanos) + " ms"
                    + (detail.isEmpty() ? "" : ": " + detail);
        }
    }

    private final InetSocketAddress address;
    private final Requests requests;
    private final long pauseNanos;
    private final Duration readTimeout;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicInteger tickets;
    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final AtomicLong recorded = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    private ClientLoad(InetSocketAddress address, int threads, Requests requests, Duration pause, int limit,
                       Duration readTimeout) {
        this.address = Objects.requireNonNull(address, "address");
        this.requests = Objects.requireNonNull(requests, "requests");
        this.pauseNanos = pause.toNanos();
        this.tickets = new AtomicInteger(limit);
        this.readTimeout = readTimeout;
        for (int i = 0; i < threads; i++) {
            int index = i;
            Thread t = new Thread(() -> run(index), "client-load-" + i);
            t.setDaemon(true);
            this.threads.add(t);
        }
    }

    /**
     * Starts {@code threads} clients that send requests until {@link #close()}, pausing
     * {@code pause} after each (a paced load leaves the machine's two cores to halb and its timers).
     */
    public static ClientLoad start(InetSocketAddress address, int threads, Duration pause, Requests requests) {
        return start(address, threads, pause, Integer.MAX_VALUE, Duration.ofSeconds(5), requests);
    }

    /**
     * Starts {@code threads} clients that send {@code limit} requests between them, each waiting at
     * most {@code readTimeout} for a response (a longer wait is recorded as a failure).
     */
    public static ClientLoad start(InetSocketAddress address, int threads, Duration pause, int limit,
                                   Duration readTimeout, Requests requests) {
        ClientLoad load = new ClientLoad(address, threads, requests, pause, limit, readTimeout);
        for (Thread t : load.threads) {
            t.start();
        }
        return load;
    }

    /** A GET of {@code /load/<thread>/<sequence>}. */
    public static String get(int thread, long sequence) {
        return RawClient.get("app.test", "/load/" + thread + "/" + sequence);
    }

    private void run(int index) {
        RawClient client = null;
        try {
            while (running && tickets.getAndDecrement() > 0) {
                long seq = sequence.getAndIncrement();
                long start = System.nanoTime();
                try {
                    if (client == null) {
                        client = RawClient.connect(address, readTimeout, Duration.ofMinutes(5));
                    }
                    RawResponse r = client.write(requests.request(index, seq)).readResponse();
                    String backend = r.header("X-Backend").orElse("halb");
                    String detail = r.status() == 200 ? "" : firstLine(r.bodyText());
                    record(new Outcome(seq, System.nanoTime(), System.nanoTime() - start, r.status(), backend, detail));
                    if (r.header("Connection").map(v -> v.equalsIgnoreCase("close")).orElse(false)) {
                        client.close();
                        client = null;
                    }
                } catch (IOException | RuntimeException e) {
                    record(new Outcome(seq, System.nanoTime(), System.nanoTime() - start, BROKEN, "", e.toString()));
                    if (client != null) {
                        client.close();
                        client = null;
                    }
                }
                if (pauseNanos > 0) {
                    LockSupport.parkNanos(pauseNanos);
                }
            }
        } finally {
            if (client != null) {
                client.close();
            }
        }
    }

    private void record(Outcome o) {
        outcomes.add(o);
        recorded.incrementAndGet();
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return (nl >= 0 ? text.substring(0, nl) : text).trim();
    }

    /** Requests that ended so far, in any way. */
    public long completed() {
        return recorded.get();
    }

    /** Every outcome so far, roughly in the order they ended. */
    public List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    /** The outcomes that are not a 200. */
    public List<Outcome> failures() {
        return outcomes.stream().filter(o -> !o.ok()).toList();
    }

    /** Responses per {@code X-Backend} (halb's own answers as {@code "halb"}, broken ones as {@code ""}). */
    public Map<String, Integer> countsByBackend() {
        return countsByBackend(o -> true);
    }

    /** Responses per backend among the outcomes that {@code which} selects. */
    public Map<String, Integer> countsByBackend(Predicate<Outcome> which) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Outcome o : outcomes) {
            if (which.test(o)) {
                counts.merge(o.backend(), 1, Integer::sum);
            }
        }
        return counts;
    }

    /** Waits (at most {@code timeout}) for every thread to finish its requests; true when they did. */
    public boolean awaitDone(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            if (t.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Stops sending: every thread finishes the request it is in (waiting at most its read timeout)
     * and closes its connection.
     */
    @Override
    public void close() throws InterruptedException {
        running = false;
        if (!awaitDone(readTimeout.plusSeconds(5))) {
            for (Thread t : threads) {
                t.interrupt();
            }
            throw new AssertionError("client threads still running " + readTimeout.plusSeconds(5).toMillis()
                    + " ms after being stopped");
        }
    }
}

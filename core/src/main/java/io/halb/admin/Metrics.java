package io.halb.admin;

import io.halb.guard.Limiter;
import io.halb.guard.Refusal;
import io.halb.proxy.RequestRecord;
import io.halb.proxy.RequestRecord.Termination;
import io.halb.proxy.SessionRecord;
import io.halb.proxy.TrafficObserver;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryPoolAllocationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmNativeMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The Prometheus metrics of one running halb: traffic counted from the records of every request
 * and TCP session, the servers' and pools' state read from the {@link ControlPlane} at each
 * scrape, and the JVM's and the process's own metrics. docs/operations.md lists every metric.
 *
 * <p>Each instance has its own registry, so two halbs in one JVM never share a series.
 *
 * <p>Labels stay bounded: listener, pool and server names come from the configuration, the status
 * is a class ({@code 1xx}..{@code 5xx}), reasons and directions are fixed sets. A record without a
 * pool or a server (a malformed request; no server could be reached) is counted with the value
 * {@value #NONE}, never with an empty value and never left out, so a sum over a label still equals
 * the total; {@value #NONE} as a code means no status was sent (the client left, or the response
 * was cut before its head).
 *
 * <p>Thread-safety: {@link #requestDone} and {@link #sessionDone} are called on event loops; after
 * the first record of a (listener, pool, server) they only look up cached data points in
 * concurrent maps and add to the client's striped adders: no locks, no allocation.
 * {@link #scrape()} may be called from any thread but an event loop: it reads the control plane,
 * JMX beans and /proc.
 */
public final class Metrics implements TrafficObserver, Limiter.RefusalCounter {

    /** The content type of {@link #scrape()}: Prometheus text format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** The label value for an absent pool, server or status. */
    static final String NONE = "-";

    /** Request durations, 1 ms to 10 s: proxied requests mostly land in the lower half. */
    private static final double[] REQUEST_BUCKETS = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    /** TCP sessions live from milliseconds (a refused connect) to hours (a database connection). */
    private static final double[] SESSION_BUCKETS = {0.01, 0.1, 1, 10, 60, 300, 1800, 3600};

    /** Status classes by {@code status / 100}; 0 (no status) and out-of-range ones are {@value #NONE}. */
    private static final String[] CODES = {NONE, "1xx", "2xx", "3xx", "4xx", "5xx"};

    private static final Termination[] LOCAL_REASONS = {
        Termination.BAD_REQUEST, Termination.NO_SERVER, Termination.QUEUE,
        Termination.SERVER_ERROR, Termination.SERVER_TIMEOUT, Termination.LIMITED, Termination.CLIENT_TIMEOUT};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = new PrometheusTextFormatWriter(false);

    private final Counter httpRequests;
    private final Histogram httpDuration;
    private final Counter httpRequestBytes;
    private final Counter httpResponseBytes;
    private final Counter retries;
    private final Counter localResponses;
    private final Counter aborts;
    private final Counter tcpSessions;
    private final Counter tcpConnectFailures;
    private final Counter tcpBytes;
    private final Histogram tcpDuration;
    private final Counter limitRefusals;

    // Cached data points by listener, then pool, then server. Written on a miss (once per name
    // triple, on any event loop), read on every record; the client itself keeps one data point per
    // label set, so a lost race only caches the same data point twice.
    private final ConcurrentHashMap<String, HttpListenerSeries> http = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, TcpListenerSeries> tcp = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicReferenceArray<CounterDataPoint>> refusals = new ConcurrentHashMap<>();

    public Metrics(ControlPlane plane) {
        Objects.requireNonNull(plane, "plane");
        httpRequests = counter("halb_http_requests",
                "HTTP requests ended, by the status class sent to the client",
                "listener", "pool", "server", "code");
        httpDuration = Histogram.builder()
                .name("halb_http_request_duration_seconds")
                .help("Time from a request's head to the end of its exchange")
                .labelNames("listener", "pool")
                .classicOnly()
                .classicUpperBounds(REQUEST_BUCKETS)
                .withoutExemplars()
                .register(registry);
        httpRequestBytes = counter("halb_http_request_bytes",
                "Request body bytes received from clients", "listener", "pool");
        httpResponseBytes = counter("halb_http_response_bytes",
                "Response body bytes sent to clients", "listener", "pool");
        retries = counter("halb_retries",
                "Tries of a request on another server or connection after the first", "pool");
        localResponses = counter("halb_local_responses",
                "Responses halb sent itself instead of a server's, by reason", "listener", "reason");
        aborts = counter("halb_http_aborts",
                "Exchanges cut before their end: side=client when the client left, "
                        + "side=server when the response was cut after it started",
                "listener", "pool", "side");
        tcpSessions = counter("halb_tcp_sessions",
                "TCP sessions ended, by the server they were relayed to", "listener", "pool", "server");
        tcpConnectFailures = counter("halb_tcp_connect_failures",
                "TCP sessions that ended without a server connection", "listener", "pool");
        tcpBytes = counter("halb_tcp_bytes",
                "TCP bytes relayed: direction=in from clients, direction=out to clients",
                "listener", "direction");
        tcpDuration = Histogram.builder()
                .name("halb_tcp_session_duration_seconds")
                .help("Time from a TCP session's accept to its close")
                .labelNames("listener")
                .classicOnly()
                .classicUpperBounds(SESSION_BUCKETS)
                .withoutExemplars()
                .register(registry);
        limitRefusals = counter("halb_limit_refusals",
                "Connections and requests a limit refused or diverted, by reason (docs/protection.md)",
                "listener", "reason");
        registry.register(new MetricsPlaneCollector(plane));
        registerJvmMetrics(registry);
        registry.register(new KernelCountersCollector());
    }

    /**
     * The client's JVM and process metrics, registered one by one: {@code JvmMetrics.register}
     * remembers every registry in a static set, which would keep each halb's registry alive.
     */
    private static void registerJvmMetrics(PrometheusRegistry registry) {
        JvmThreadsMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmClassLoadingMetrics.builder().register(registry);
        JvmCompilationMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmMemoryPoolAllocationMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        JvmNativeMemoryMetrics.builder().register(registry);
        JvmRuntimeInfoMetric.builder().register(registry);
        ProcessMetrics.builder().register(registry);
    }

    private Counter counter(String name, String help, String... labels) {
        return Counter.builder()
                .name(name)
                .help(help)
                .labelNames(labels)
                .withoutExemplars()
                .register(registry);
    }

    @Override
    public void requestDone(RequestRecord record) {
        HttpPoolSeries pool = httpListener(record.listener()).pool(orNone(record.pool()));
        pool.server(orNone(record.server())).code(record.status()).inc();
        if (record.totalNanos() >= 0) {
            pool.duration.observe(record.totalNanos() / 1e9);
        }
        if (record.bytesIn() > 0) {
            pool.requestBytes.inc(record.bytesIn());
        }
        if (record.bytesOut() > 0) {
            pool.responseBytes.inc(record.bytesOut());
        }
        if (record.retries() > 0) {
            pool.retries.inc(record.retries());
        }
        Termination termination = record.termination();
        if (termination != null && termination != Termination.OK) {
            switch (termination) {
                case CLIENT_ABORT -> pool.clientAborts.inc();
                case SERVER_ABORT -> pool.serverAborts.inc();
                case UPGRADED -> { }
                default -> pool.listener.local[termination.ordinal()].inc();
            }
        }
    }

    /** A limit refused (or diverted) a connection or request: one cached data point per (listener, reason). */
    @Override
    public void refused(String listener, Refusal.Reason reason) {
        String name = orNone(listener);
        AtomicReferenceArray<CounterDataPoint> points = refusals.get(name);
        if (points == null) {
            points = refusals.computeIfAbsent(name, n -> new AtomicReferenceArray<>(Refusal.Reason.values().length));
        }
        CounterDataPoint point = points.get(reason.ordinal());
        if (point == null) {
            // labelValues returns the one data point of these labels, so racing threads agree.
            point = limitRefusals.labelValues(name, reason.label());
            points.set(reason.ordinal(), point);
        }
        point.inc();
    }

    @Override
    public void sessionDone(SessionRecord record) {
        TcpListenerSeries listener = tcpListener(record.listener());
        TcpPoolSeries pool = listener.pool(orNone(record.pool()));
        pool.server(orNone(record.server())).inc();
        if (!record.connected()) {
            pool.connectFailures.inc();
        }
        if (record.bytesIn() > 0) {
            listener.bytesIn.inc(record.bytesIn());
        }
        if (record.bytesOut() > 0) {
            listener.bytesOut.inc(record.bytesOut());
        }
        if (record.durationNanos() >= 0) {
            listener.duration.observe(record.durationNanos() / 1e9);
        }
    }

    /**
     * Every metric in the Prometheus text format ({@link #CONTENT_TYPE}). Reads the control plane,
     * JMX and /proc: call it off the event loops.
     */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private HttpListenerSeries httpListener(String name) {
        String listener = orNone(name);
        HttpListenerSeries series = http.get(listener);
        return series != null ? series : http.computeIfAbsent(listener, HttpListenerSeries::new);
    }

    private TcpListenerSeries tcpListener(String name) {
        String listener = orNone(name);
        TcpListenerSeries series = tcp.get(listener);
        return series != null ? series : tcp.computeIfAbsent(listener, TcpListenerSeries::new);
    }

    private static String orNone(String value) {
        return value == null || value.isEmpty() ? NONE : value;
    }

    /** An HTTP listener's data points; its local-response reasons exist from its first request on, at 0. */
    private final class HttpListenerSeries {
        final String name;
        final CounterDataPoint[] local = new CounterDataPoint[Termination.values().length];
        final ConcurrentHashMap<String, HttpPoolSeries> pools = new ConcurrentHashMap<>();

        HttpListenerSeries(String name) {
            this.name = name;
            for (Termination reason : LOCAL_REASONS) {
                local[reason.ordinal()] = localResponses.labelValues(name, reason.name().toLowerCase(Locale.ROOT));
            }
        }

        HttpPoolSeries pool(String pool) {
            HttpPoolSeries series = pools.get(pool);
            return series != null ? series : pools.computeIfAbsent(pool, p -> new HttpPoolSeries(this, p));
        }
    }

    /** A (listener, pool)'s data points. */
    private final class HttpPoolSeries {
        final HttpListenerSeries listener;
        final String name;
        final DistributionDataPoint duration;
        final CounterDataPoint requestBytes;
        final CounterDataPoint responseBytes;
        final CounterDataPoint retries;
        final CounterDataPoint clientAborts;
        final CounterDataPoint serverAborts;
        final ConcurrentHashMap<String, HttpServerSeries> servers = new ConcurrentHashMap<>();

        HttpPoolSeries(HttpListenerSeries listener, String name) {
            this.listener = listener;
            this.name = name;
            duration = httpDuration.labelValues(listener.name, name);
            requestBytes = httpRequestBytes.labelValues(listener.name, name);
            responseBytes = httpResponseBytes.labelValues(listener.name, name);
            retries = Metrics.this.retries.labelValues(name);
            clientAborts = aborts.labelValues(listener.name, name, "client");
            serverAborts = aborts.labelValues(listener.name, name, "server");
        }

        HttpServerSeries server(String server) {
            HttpServerSeries series = servers.get(server);
            return series != null ? series : servers.computeIfAbsent(server, s -> new HttpServerSeries(this, s));
        }
    }

    /** A (listener, pool, server)'s request counters, one per status class, made on first use. */
    private final class HttpServerSeries {
        final HttpPoolSeries pool;
        final String name;
        final AtomicReferenceArray<CounterDataPoint> byCode = new AtomicReferenceArray<>(CODES.length);

        HttpServerSeries(HttpPoolSeries pool, String name) {
            this.pool = pool;
            this.name = name;
        }

        CounterDataPoint code(int status) {
            int index = status >= 100 && status < 600 ? status / 100 : 0;
            CounterDataPoint point = byCode.get(index);
            if (point == null) {
                // labelValues returns the one data point of these labels, so racing threads agree.
                point = httpRequests.labelValues(pool.listener.name, pool.name, name, CODES[index]);
                byCode.set(index, point);
            }
            return point;
        }
    }

    /** A TCP listener's data points. */
    private final class TcpListenerSeries {
        final String name;
        final CounterDataPoint bytesIn;
        final CounterDataPoint bytesOut;
        final DistributionDataPoint duration;
        final ConcurrentHashMap<String, TcpPoolSeries> pools = new ConcurrentHashMap<>();

        TcpListenerSeries(String name) {
            this.name = name;
            bytesIn = tcpBytes.labelValues(name, "in");
            bytesOut = tcpBytes.labelValues(name, "out");
            duration = tcpDuration.labelValues(name);
        }

        TcpPoolSeries pool(String pool) {
            TcpPoolSeries series = pools.get(pool);
            return series != null ? series : pools.computeIfAbsent(pool, p -> new TcpPoolSeries(this, p));
        }
    }

    /** A (listener, pool)'s TCP data points; sessions by server. */
    private final class TcpPoolSeries {
        final TcpListenerSeries listener;
        final String name;
        final CounterDataPoint connectFailures;
        final ConcurrentHashMap<String, CounterDataPoint> sessions = new ConcurrentHashMap<>();

        TcpPoolSeries(TcpListenerSeries listener, String name) {
            this.listener = listener;
            this.name = name;
            connectFailures = tcpConnectFailures.labelValues(listener.name, name);
        }

        CounterDataPoint server(String server) {
            CounterDataPoint point = sessions.get(server);
            return point != null ? point
                    : sessions.computeIfAbsent(server, s -> tcpSessions.labelValues(listener.name, name, s));
        }
    }
}

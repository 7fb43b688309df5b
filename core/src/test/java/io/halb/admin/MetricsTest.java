package io.halb.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.halb.proxy.RequestRecord;
import io.halb.proxy.RequestRecord.Termination;
import io.halb.proxy.SessionRecord;
import io.halb.testing.ReadOnlyPlane;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** Known records and a known control plane in, the exact numbers out, read by a strict parser. */
class MetricsTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
    private static final long MS = 1_000_000L;

    private final FakePlane plane = new FakePlane();
    private final Metrics metrics = new Metrics(plane);

    static RequestRecord request(String listener, String pool, String server, int status, long totalNanos) {
        return request(listener, pool, server, status, totalNanos, 0, 0, 0, Termination.OK);
    }

    static RequestRecord request(String listener, String pool, String server, int status, long totalNanos,
                                 long bytesIn, long bytesOut, int retries, Termination termination) {
        return new RequestRecord(listener, CLIENT, "GET", "/", "example.com", "HTTP/1.1", "test", null,
                pool, server, status, bytesIn, bytesOut, 1_700_000_000_000L, totalNanos / 2, totalNanos,
                retries, termination);
    }

    static SessionRecord session(String listener, String pool, String server, long in, long out,
                                 long durationNanos, boolean connected) {
        return new SessionRecord(listener, CLIENT, pool, server, in, out, 1_700_000_000_000L, durationNanos,
                connected);
    }

    @Test
    void countsEveryRequestByListenerPoolServerAndStatusClass() {
        for (int i = 0; i < 20; i++) {
            metrics.requestDone(request("web", "app", "app1", 200, 3 * MS));
        }
        for (int i = 0; i < 10; i++) {
            metrics.requestDone(request("web", "app", "app2", 204, 3 * MS));
        }
        for (int i = 0; i < 4; i++) {
            metrics.requestDone(request("web", "app", "app2", 404, 3 * MS));
        }
        metrics.requestDone(request("web", "app", "app1", 301, 3 * MS));
        metrics.requestDone(request("web", "app", "app1", 502, 3 * MS));
        metrics.requestDone(request("api", "app", "app1", 101, 3 * MS));

        Exposition e = Exposition.parse(metrics.scrape());

        assertThat(e.sum("halb_http_requests_total")).isEqualTo(37);
        assertThat(e.sum("halb_http_requests_total", "listener", "web")).isEqualTo(36);
        assertThat(e.value("halb_http_requests_total", "listener", "web", "pool", "app", "server", "app1",
                "code", "2xx")).isEqualTo(20);
        assertThat(e.value("halb_http_requests_total", "listener", "web", "pool", "app", "server", "app2",
                "code", "2xx")).isEqualTo(10);
        assertThat(e.value("halb_http_requests_total", "listener", "web", "pool", "app", "server", "app2",
                "code", "4xx")).isEqualTo(4);
        assertThat(e.value("halb_http_requests_total", "listener", "web", "pool", "app", "server", "app1",
                "code", "3xx")).isEqualTo(1);
        assertThat(e.value("halb_http_requests_total", "listener", "web", "pool", "app", "server", "app1",
                "code", "5xx")).isEqualTo(1);
        assertThat(e.value("halb_http_requests_total", "listener", "api", "pool", "app", "server", "app1",
                "code", "1xx")).isEqualTo(1);
        // Status classes are made on first use: no zero series for classes never seen.
        assertThat(e.find("halb_http_requests_total", "server", "app2", "code", "5xx")).isEmpty();
        assertThat(e.type("halb_http_requests_total")).isEqualTo("counter");
    }

    @Test
    void histogramCountsEveryRequestIntoCumulativeBuckets() {
        long[] millis = {0, 1, 2, 4, 9, 20, 40, 90, 200, 400, 900, 2000, 4000, 9000, 20000};
        for (long m : millis) {
            metrics.requestDone(request("web", "app", "app1", 200, m * MS));
        }
        // A request without a measured duration is counted, but not timed.
        metrics.requestDone(request("web", "app", "app1", 0, -1));

        Exposition e = Exposition.parse(metrics.scrape());
        String name = "halb_http_request_duration_seconds";
        assertThat(e.type(name)).isEqualTo("histogram");
        assertThat(e.value(name + "_count", "listener", "web", "pool", "app")).isEqualTo(millis.length);
        long totalMillis = 0;
        for (long m : millis) {
            totalMillis += m;
        }
        assertThat(e.value(name + "_sum", "listener", "web", "pool", "app")).isCloseTo(totalMillis / 1000.0,
                within(1e-9));
        Map<String, Double> expected = new LinkedHashMap<>();
        expected.put("0.001", 2.0);
        expected.put("0.0025", 3.0);
        expected.put("0.005", 4.0);
        expected.put("0.01", 5.0);
        expected.put("0.025", 6.0);
        expected.put("0.05", 7.0);
        expected.put("0.1", 8.0);
        expected.put("0.25", 9.0);
        expected.put("0.5", 10.0);
        expected.put("1.0", 11.0);
        expected.put("2.5", 12.0);
        expected.put("5.0", 13.0);
        expected.put("10.0", 14.0);
        expected.put("+Inf", 15.0);
        Map<String, Double> buckets = new LinkedHashMap<>();
        for (Sample s : e.find(name + "_bucket", "listener", "web", "pool", "app")) {
            buckets.put(s.labels().get("le"), s.value());
        }
        assertThat(buckets).containsExactlyEntriesOf(expected);
        assertThat(e.sum("halb_http_requests_total", "code", "-")).isEqualTo(1);
    }

    @Test
    void countsBytesRetriesLocalResponsesAndAborts() {
        metrics.requestDone(request("web", "app", "app1", 200, MS, 100, 1000, 0, Termination.OK));
        metrics.requestDone(request("web", "app", "app2", 200, MS, 50, 2000, 2, Termination.OK));
        metrics.requestDone(request("web", "api", "api1", 502, MS, 10, 30, 1, Termination.SERVER_ERROR));
        metrics.requestDone(request("web", "api", "api1", 504, MS, 0, 30, 0, Termination.SERVER_TIMEOUT));
        metrics.requestDone(request("web", "api", null, 503, MS, 0, 30, 0, Termination.NO_SERVER));
        metrics.requestDone(request("web", "api", null, 503, MS, 0, 30, 0, Termination.QUEUE));
        metrics.requestDone(request("web", "api", null, 503, MS, 0, 30, 0, Termination.QUEUE));
        metrics.requestDone(request("web", null, null, 400, MS, 0, 30, 0, Termination.BAD_REQUEST));
        metrics.requestDone(request("web", "app", "app1", 0, MS, 7, 0, 0, Termination.CLIENT_ABORT));
        metrics.requestDone(request("web", "app", "app1", 200, MS, 0, 5, 0, Termination.SERVER_ABORT));
        metrics.requestDone(request("web", "app", "app1", 101, MS, 0, 0, 0, Termination.UPGRADED));

        Exposition e = Exposition.parse(metrics.scrape());

        assertThat(e.value("halb_http_request_bytes_total", "listener", "web", "pool", "app")).isEqualTo(157);
        assertThat(e.value("halb_http_response_bytes_total", "listener", "web", "pool", "app")).isEqualTo(3005);
        assertThat(e.value("halb_http_request_bytes_total", "listener", "web", "pool", "api")).isEqualTo(10);
        assertThat(e.value("halb_http_response_bytes_total", "listener", "web", "pool", "-")).isEqualTo(30);
        assertThat(e.value("halb_retries_total", "pool", "app")).isEqualTo(2);
        assertThat(e.value("halb_retries_total", "pool", "api")).isEqualTo(1);
        assertThat(e.sum("halb_retries_total")).isEqualTo(3);

        assertThat(e.value("halb_local_responses_total", "listener", "web", "reason", "server_error")).isEqualTo(1);
        assertThat(e.value("halb_local_responses_total", "listener", "web", "reason", "server_timeout")).isEqualTo(1);
        assertThat(e.value("halb_local_responses_total", "listener", "web", "reason", "no_server")).isEqualTo(1);
        assertThat(e.value("halb_local_responses_total", "listener", "web", "reason", "queue")).isEqualTo(2);
        assertThat(e.value("halb_local_responses_total", "listener", "web", "reason", "bad_request")).isEqualTo(1);
        assertThat(e.sum("halb_local_responses_total")).isEqualTo(6);
        assertThat(e.value("halb_http_aborts_total", "listener", "web", "pool", "app", "side", "client")).isEqualTo(1);
        assertThat(e.value("halb_http_aborts_total", "listener", "web", "pool", "app", "side", "server")).isEqualTo(1);

        // Absent pool, server and status read "-", so the sums still add up.
        assertThat(e.value("halb_http_requests_total", "listener", "web", "pool", "-", "server", "-",
                "code", "4xx")).isEqualTo(1);
        assertThat(e.value("halb_http_requests_total", "listener", "web", "pool", "api", "server", "-",
                "code", "5xx")).isEqualTo(3);
        assertThat(e.value("halb_http_requests_total", "listener", "web", "pool", "app", "server", "app1",
                "code", "-")).isEqualTo(1);
        assertThat(e.sum("halb_http_requests_total")).isEqualTo(11);
        assertThat(e.samples()).noneMatch(s -> s.labels().containsValue(""));
    }

    @Test
    void countsTcpSessionsBytesAndConnectFailures() {
        metrics.sessionDone(session("pg", "db", "db1", 100, 2000, 5 * MS, true));
        metrics.sessionDone(session("pg", "db", "db1", 200, 3000, 50 * MS, true));
        metrics.sessionDone(session("pg", "db", "db2", 300, 4000, 20_000 * MS, true));
        metrics.sessionDone(session("pg", "db", null, 0, 0, 2 * MS, false));

        Exposition e = Exposition.parse(metrics.scrape());

        assertThat(e.value("halb_tcp_sessions_total", "listener", "pg", "pool", "db", "server", "db1")).isEqualTo(2);
        assertThat(e.value("halb_tcp_sessions_total", "listener", "pg", "pool", "db", "server", "db2")).isEqualTo(1);
        assertThat(e.value("halb_tcp_sessions_total", "listener", "pg", "pool", "db", "server", "-")).isEqualTo(1);
        assertThat(e.value("halb_tcp_connect_failures_total", "listener", "pg", "pool", "db")).isEqualTo(1);
        assertThat(e.value("halb_tcp_bytes_total", "listener", "pg", "direction", "in")).isEqualTo(600);
        assertThat(e.value("halb_tcp_bytes_total", "listener", "pg", "direction", "out")).isEqualTo(9000);
        assertThat(e.value("halb_tcp_session_duration_seconds_count", "listener", "pg")).isEqualTo(4);
        assertThat(e.value("halb_tcp_session_duration_seconds_bucket", "listener", "pg", "le", "0.01")).isEqualTo(2);
        assertThat(e.value("halb_tcp_session_duration_seconds_bucket", "listener", "pg", "le", "0.1")).isEqualTo(3);
        assertThat(e.value("halb_tcp_session_duration_seconds_bucket", "listener", "pg", "le", "60.0")).isEqualTo(4);
        // TCP listeners make no HTTP series.
        assertThat(e.find("halb_http_requests_total")).isEmpty();
        assertThat(e.find("halb_local_responses_total")).isEmpty();
    }

    @Test
    void readsServersPoolsAndStatusFromThePlaneAtEachScrape() {
        plane.pools = List.of(
                new PoolView("app", "round_robin", "none", "http", 2, 3, List.of(
                        server("app1", "up", true, false, 3, 5, 1234, 7, 12.5, 1),
                        server("app2", "down", false, true, 1, 0, 99, 40, 250, 4))),
                new PoolView("api", "random", "none", "none", 0, 0, List.of(
                        server("api1", "drain", true, false, 2, 1, 10, 0, 0, 2),
                        server("api2", "maint", true, false, 0, 0, 0, 0, 0, 0))));

        Exposition e = Exposition.parse(metrics.scrape());

        assertThat(e.value("halb_server_up", "pool", "app", "server", "app1")).isEqualTo(1);
        assertThat(e.value("halb_server_up", "pool", "app", "server", "app2")).isEqualTo(0);
        assertThat(e.value("halb_server_up", "pool", "api", "server", "api1")).isEqualTo(0);
        assertThat(e.sum("halb_server_up")).isEqualTo(1);
        assertThat(e.value("halb_server_state", "pool", "app", "server", "app2", "state", "down")).isEqualTo(1);
        assertThat(e.value("halb_server_state", "pool", "app", "server", "app2", "state", "up")).isEqualTo(0);
        assertThat(e.value("halb_server_state", "pool", "api", "server", "api1", "state", "drain")).isEqualTo(1);
        assertThat(e.value("halb_server_state", "pool", "api", "server", "api2", "state", "maint")).isEqualTo(1);
        assertThat(e.find("halb_server_state")).hasSize(4 * 4);
        assertThat(e.sum("halb_server_state")).isEqualTo(4);
        assertThat(e.value("halb_server_healthy", "pool", "app", "server", "app2")).isEqualTo(0);
        assertThat(e.value("halb_server_ejected", "pool", "app", "server", "app2")).isEqualTo(1);
        assertThat(e.value("halb_server_weight", "pool", "app", "server", "app1")).isEqualTo(3);
        assertThat(e.value("halb_server_in_flight", "pool", "app", "server", "app1")).isEqualTo(5);
        assertThat(e.value("halb_server_requests_total", "pool", "app", "server", "app1")).isEqualTo(1234);
        assertThat(e.value("halb_server_failures_total", "pool", "app", "server", "app2")).isEqualTo(40);
        assertThat(e.value("halb_server_response_time_seconds", "pool", "app", "server", "app1")).isEqualTo(0.0125);
        assertThat(e.value("halb_server_state_changes_total", "pool", "app", "server", "app2")).isEqualTo(4);
        assertThat(e.value("halb_pool_queued", "pool", "app")).isEqualTo(3);
        assertThat(e.value("halb_pool_queued", "pool", "api")).isEqualTo(0);
        assertThat(e.value("halb_open_connections")).isEqualTo(17);
        assertThat(e.value("halb_info", "version", "1.2.3", "transport", "epoll")).isEqualTo(1);
        assertThat(e.value("halb_cluster_role", "role", "standalone")).isEqualTo(1);
        assertThat(e.value("halb_start_time_seconds")).isEqualTo(1_700_000_000.5);
        assertThat(e.type("halb_server_requests_total")).isEqualTo("counter");
        assertThat(e.type("halb_server_up")).isEqualTo("gauge");

        plane.pools = List.of(new PoolView("app", "round_robin", "none", "http", 2, 0, List.of(
                server("app1", "down", false, false, 3, 0, 1300, 8, 12.5, 2))));
        plane.status = status("active", 0);
        Exposition later = Exposition.parse(metrics.scrape());
        assertThat(later.value("halb_server_up", "pool", "app", "server", "app1")).isEqualTo(0);
        assertThat(later.value("halb_server_requests_total", "pool", "app", "server", "app1")).isEqualTo(1300);
        assertThat(later.find("halb_server_up", "server", "app2")).isEmpty();
        assertThat(later.find("halb_cluster_role")).singleElement()
                .satisfies(s -> assertThat(s.labels()).containsEntry("role", "active"));
        assertThat(later.value("halb_open_connections")).isEqualTo(0);
    }

    @Test
    void includesJvmAndProcessMetrics() {
        Exposition e = Exposition.parse(metrics.scrape());

        assertThat(e.sum("jvm_memory_used_bytes")).isPositive();
        assertThat(e.value("jvm_threads_current")).isPositive();
        assertThat(e.find("jvm_gc_collection_seconds_count")).isNotEmpty();
        assertThat(e.find("jvm_runtime_info")).singleElement();
        assertThat(e.value("process_cpu_seconds_total")).isPositive();
        assertThat(e.value("process_open_fds")).isPositive();
    }

    @Test
    void everyLineParsesAndEveryFamilyHasHelpAndType() {
        metrics.requestDone(request("web", "app", "app1", 200, MS));
        metrics.sessionDone(session("pg", "db", "db1", 1, 1, MS, true));
        plane.pools = List.of(new PoolView("app", "round_robin", "none", "http", 2, 0, List.of(
                server("app1", "up", true, false, 1, 0, 0, 0, 0, 0))));

        String text = metrics.scrape();
        Exposition e = Exposition.parse(text); // throws on any line it cannot read

        assertThat(e.samples()).hasSizeGreaterThan(100);
        for (String family : e.types().keySet()) {
            assertThat(e.helps()).as("HELP of " + family).containsKey(family);
        }
        for (String family : List.of("halb_http_requests_total", "halb_http_request_duration_seconds",
                "halb_http_request_bytes_total", "halb_http_response_bytes_total", "halb_retries_total",
                "halb_local_responses_total", "halb_http_aborts_total", "halb_tcp_sessions_total",
                "halb_tcp_connect_failures_total", "halb_tcp_bytes_total", "halb_tcp_session_duration_seconds",
                "halb_server_up", "halb_server_state", "halb_server_healthy", "halb_server_ejected",
                "halb_server_weight", "halb_server_in_flight", "halb_server_requests_total",
                "halb_server_failures_total", "halb_server_state_changes_total",
                "halb_server_response_time_seconds", "halb_pool_queued", "halb_open_connections",
                "halb_start_time_seconds", "halb_config_load_time_seconds", "halb_info", "halb_cluster_role")) {
            assertThat(e.types()).as("TYPE of " + family).containsKey(family);
        }
    }

    @Test
    void contentTypeIsTheTextFormatTheWriterProduces() {
        assertThat(Metrics.CONTENT_TYPE).isEqualTo(new PrometheusTextFormatWriter(false).getContentType());
    }

    @Test
    void twoInstancesKeepTheirOwnSeries() {
        Metrics other = new Metrics(new FakePlane());
        metrics.requestDone(request("web", "app", "app1", 200, MS));
        metrics.requestDone(request("web", "app", "app1", 200, MS));
        other.requestDone(request("web", "app", "app1", 200, MS));

        assertThat(Exposition.parse(metrics.scrape()).sum("halb_http_requests_total")).isEqualTo(2);
        assertThat(Exposition.parse(other.scrape()).sum("halb_http_requests_total")).isEqualTo(1);
    }

    @Test
    void escapesLabelValuesTheFormatReserves() {
        metrics.requestDone(request("we\"b", "a\\pp", "line\nbreak", 200, MS));

        Exposition e = Exposition.parse(metrics.scrape());

        assertThat(e.value("halb_http_requests_total", "listener", "we\"b", "pool", "a\\pp",
                "server", "line\nbreak", "code", "2xx")).isEqualTo(1);
    }

    @Test
    void countsExactlyUnderConcurrentRecords() throws Exception {
        int threads = 4;
        int perThread = 10_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        // Every thread meets every new series at once, to race the caches.
                        metrics.requestDone(request("web", "app", "app" + (i % 8), 200 + (i / 8 % 4) * 100,
                                (i % 50) * MS, 3, 5, i % 2, Termination.OK));
                        if (i % 10 == 0) {
                            metrics.sessionDone(session("pg", "db", "db" + (i % 3), 1, 2, MS, true));
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        Exposition e = Exposition.parse(metrics.scrape());
        long total = (long) threads * perThread;
        assertThat(e.sum("halb_http_requests_total")).isEqualTo(total);
        long okPerThread = java.util.stream.IntStream.range(0, perThread).filter(i -> i / 8 % 4 == 0).count();
        assertThat(e.sum("halb_http_requests_total", "code", "2xx")).isEqualTo(threads * okPerThread);
        assertThat(e.find("halb_http_requests_total")).hasSize(8 * 4);
        assertThat(e.value("halb_http_request_duration_seconds_count", "listener", "web", "pool", "app"))
                .isEqualTo(total);
        assertThat(e.value("halb_http_request_bytes_total", "listener", "web", "pool", "app")).isEqualTo(3 * total);
        assertThat(e.value("halb_http_response_bytes_total", "listener", "web", "pool", "app")).isEqualTo(5 * total);
        assertThat(e.value("halb_retries_total", "pool", "app")).isEqualTo(total / 2);
        assertThat(e.sum("halb_tcp_sessions_total")).isEqualTo(total / 10);
        assertThat(e.value("halb_tcp_bytes_total", "listener", "pg", "direction", "out")).isEqualTo(2 * total / 10);
    }

    @Test
    void parserRejectsMalformedLines() {
        assertThatThrownBy(() -> Exposition.parse("# TYPE a counter\na{x=\"1} 1\n"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Exposition.parse("a 1\n")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Exposition.parse("# TYPE a gauge\na one\n"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Exposition.parse("# TYPE a gauge\na 1")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Exposition.parse("# HELP a x\n# TYPE a gauge\na{b=\"c\\\"d\"} +Inf\n").value("a", "b", "c\"d"))
                .isEqualTo(Double.POSITIVE_INFINITY);
    }

    static ServerView server(String name, String state, boolean healthy, boolean ejected, int weight, int inFlight,
                             long requests, long failures, double responseMillis, long stateChanges) {
        return new ServerView(name, "127.0.0.1:1", false, state, "ready", healthy, ejected, "", weight, weight,
                100, 0, inFlight, requests, failures, responseMillis, stateChanges);
    }

    static StatusView status(String role, int openConnections) {
        return new StatusView("1.2.3", 1_700_000_000_500L, 1000, "lb1", role, "halb.yaml", 1_700_000_001_000L,
                "epoll", 2, openConnections, 0);
    }

    /** A control plane whose reads return what the test set; it changes nothing. */
    static final class FakePlane extends ReadOnlyPlane {
        volatile StatusView status = MetricsTest.status("standalone", 17);
        volatile List<PoolView> pools = List.of();

        @Override
        public StatusView status() {
            return status;
        }

        @Override
        public List<PoolView> pools() {
            return pools;
        }
    }

    record Sample(String name, Map<String, String> labels, double value) {}

    /**
     * The Prometheus text format 0.0.4, read strictly: every line is a HELP, a TYPE or a sample of
     * a family whose TYPE came before it; label values use only the three escapes the format has.
     */
    record Exposition(List<Sample> samples, Map<String, String> types, Map<String, String> helps) {

        private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
        private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
        private static final Pattern TYPE = Pattern.compile(
                "# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
        private static final Pattern SAMPLE_NAME = Pattern.compile(NAME);
        private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
        private static final Pattern VALUE = Pattern.compile(
                "[+-]?(Inf|NaN|[0-9]+(\\.[0-9]*)?([eE][+-]?[0-9]+)?|\\.[0-9]+([eE][+-]?[0-9]+)?)");

        static Exposition parse(String text) {
            if (!text.isEmpty() && !text.endsWith("\n")) {
                throw new IllegalArgumentException("the last line has no line feed");
            }
            List<Sample> samples = new ArrayList<>();
            Map<String, String> types = new LinkedHashMap<>();
            Map<String, String> helps = new HashMap<>();
            int lineNo = 0;
            for (String line : text.split("\n", -1)) {
                lineNo++;
                if (line.isEmpty()) {
                    continue;
                }
                try {
                    Matcher m;
                    if ((m = HELP.matcher(line)).matches()) {
                        if (helps.put(m.group(1), m.group(2)) != null) {
                            throw new IllegalArgumentException("a second HELP for " + m.group(1));
                        }
                    } else if ((m = TYPE.matcher(line)).matches()) {
                        if (types.put(m.group(1), m.group(2)) != null) {
                            throw new IllegalArgumentException("a second TYPE for " + m.group(1));
                        }
                    } else if (line.startsWith("#")) {
                        throw new IllegalArgumentException("a comment that is neither HELP nor TYPE");
                    } else {
                        Sample s = sample(line);
                        if (family(s.name(), types) == null) {
                            throw new IllegalArgumentException("a sample with no TYPE before it");
                        }
                        samples.add(s);
                    }
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("line " + lineNo + ": " + e.getMessage() + ": " + line, e);
                }
            }
            return new Exposition(samples, types, helps);
        }

        private static String family(String sample, Map<String, String> types) {
            if (types.containsKey(sample)) {
                return sample;
            }
            for (String suffix : List.of("_bucket", "_sum", "_count")) {
                if (sample.endsWith(suffix)) {
                    String base = sample.substring(0, sample.length() - suffix.length());
                    String type = types.get(base);
                    if ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket"))) {
                        return base;
                    }
                }
            }
            return null;
        }

        private static Sample sample(String line) {
            Matcher name = SAMPLE_NAME.matcher(line);
            if (!name.lookingAt()) {
                throw new IllegalArgumentException("no metric name");
            }
            int i = name.end();
            Map<String, String> labels = new LinkedHashMap<>();
            if (i < line.length() && line.charAt(i) == '{') {
                i++;
                while (line.charAt(i) != '}') {
                    Matcher label = LABEL_NAME.matcher(line).region(i, line.length());
                    if (!label.lookingAt() || line.charAt(label.end()) != '=' || line.charAt(label.end() + 1) != '"') {
                        throw new IllegalArgumentException("a bad label at " + i);
                    }
                    i = label.end() + 2;
                    StringBuilder value = new StringBuilder();
                    for (char c = line.charAt(i); c != '"'; c = line.charAt(++i)) {
                        if (c == '\\') {
                            char escaped = line.charAt(++i);
                            value.append(switch (escaped) {
                                case '\\' -> '\\';
                                case '"' -> '"';
                                case 'n' -> '\n';
                                default -> throw new IllegalArgumentException("a bad escape \\" + escaped);
                            });
                        } else {
                            value.append(c);
                        }
                    }
                    if (labels.put(label.group(), value.toString()) != null) {
                        throw new IllegalArgumentException("a repeated label " + label.group());
                    }
                    i++;
                    if (line.charAt(i) == ',') {
                        i++;
                    } else if (line.charAt(i) != '}') {
                        throw new IllegalArgumentException("a bad label separator at " + i);
                    }
                }
                i++;
            }
            String[] rest = line.substring(i).split(" ", -1);
            if (rest.length < 2 || rest.length > 3 || !rest[0].isEmpty() || !VALUE.matcher(rest[1]).matches()
                    || (rest.length == 3 && !rest[2].matches("-?[0-9]+"))) {
                throw new IllegalArgumentException("a bad value or timestamp");
            }
            String v = rest[1];
            double value = v.endsWith("Inf") ? (v.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
                    : Double.parseDouble(v);
            return new Sample(name.group(), labels, value);
        }

        /** The samples of a name whose labels include the given pairs. */
        List<Sample> find(String name, String... labelPairs) {
            List<Sample> found = new ArrayList<>();
            for (Sample s : samples) {
                if (s.name().equals(name) && matches(s.labels(), labelPairs)) {
                    found.add(s);
                }
            }
            return found;
        }

        double sum(String name, String... labelPairs) {
            return find(name, labelPairs).stream().mapToDouble(Sample::value).sum();
        }

        /** The value of the one sample whose labels are exactly the given pairs. */
        double value(String name, String... labelPairs) {
            List<Sample> found = find(name, labelPairs).stream()
                    .filter(s -> s.labels().size() == labelPairs.length / 2)
                    .toList();
            assertThat(found).as("%s%s in the scrape", name, List.of(labelPairs)).hasSize(1);
            return found.get(0).value();
        }

        String type(String family) {
            return types.get(family);
        }

        private static boolean matches(Map<String, String> labels, String... pairs) {
            for (int i = 0; i < pairs.length; i += 2) {
                if (!pairs[i + 1].equals(labels.get(pairs[i]))) {
                    return false;
                }
            }
            return true;
        }
    }
}

package io.halb.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.halb.testing.H2Client;
import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.RecordedRequest;
import io.halb.testing.TestBackend;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * HTTP/2 from clients on a listener with {@code h2c: true}: cleartext with prior knowledge, each
 * stream proxied as an HTTP/1.1 request over the pooled server connections, HTTP/1.1 still served
 * on the same port.
 */
class Http2IntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ANSWERED = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    static String h2cTemplate(TestBackend... backends) {
        String t = HalbFixture.httpTemplate("round_robin", 0, backends);
        String withH2c = t.replace("mode: http, pool: web}", "mode: http, pool: web, h2c: true}");
        assertThat(withH2c).isNotEqualTo(t);
        return withH2c;
    }

    private static String withAccessLog(String template, Path log) {
        return template.replace("admin: {bind: \"127.0.0.1:0\"}",
                "admin: {bind: \"127.0.0.1:0\"}\naccess_log: {path: \"" + log + "\", format: json}");
    }

    @Test
    void manyConcurrentStreamsOnOneConnectionAreAllAnsweredOverHttp11() throws Exception {
        Path log = dir.resolve("access.log");
        int streams = 100;
        try (TestBackend b1 = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(withAccessLog(h2cTemplate(b1), log));
             H2Client client = H2Client.connect(halb.address("web"))) {
            List<H2Client.Exchange> exchanges = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                if (i % 2 == 0) {
                    Http2Headers h = H2Client.get("/s/" + i).add("x-test", "v" + i);
                    exchanges.add(client.request(h, null));
                } else {
                    byte[] body = ("body of " + i + " ").repeat(i).getBytes(StandardCharsets.UTF_8);
                    Http2Headers h = H2Client.headers("POST", "/s/" + i).add("x-test", "v" + i);
                    exchanges.add(client.request(h, body));
                }
            }
            for (int i = 0; i < streams; i++) {
                H2Client.Exchange ex = exchanges.get(i).await(ANSWERED);
                String method = i % 2 == 0 ? "GET" : "POST";
                assertThat(ex.status()).as("%s", ex).isEqualTo(200);
                assertThat(ex.ended()).as("%s", ex).isTrue();
                assertThat(ex.bodyText()).isEqualTo("b1 " + method + " /s/" + i);
                long length = i % 2 == 0 ? 0 : ("body of " + i + " ").repeat(i).length();
                assertThat(ex.header("x-request-body-length")).isEqualTo(Long.toString(length));
                assertThat(ex.header("x-backend")).isEqualTo("b1");
            }
            assertThat(client.isOpen()).as("one connection carried every stream").isTrue();

            List<RecordedRequest> seen = b1.recordedRequests();
            assertThat(seen).hasSize(streams);
            for (RecordedRequest r : seen) {
                String i = r.uri().substring("/s/".length());
                assertThat(r.protocol()).isEqualTo("HTTP/1.1");
                assertThat(r.header("host")).contains("app.test");
                assertThat(r.header("x-test")).contains("v" + i);
                assertThat(r.header("x-forwarded-for")).contains("127.0.0.1");
                assertThat(r.header("x-forwarded-proto")).contains("http");
                assertThat(r.headers()).noneMatch(e -> e.getKey().toLowerCase().startsWith("x-http2-"));
                assertThat(r.bodyLength()).isEqualTo(Integer.parseInt(i) % 2 == 0 ? 0
                        : ("body of " + i + " ").repeat(Integer.parseInt(i)).length());
            }
            // Streams share pooled server connections; far fewer connections than streams is normal,
            // but not asserted (it depends on timing).
            List<JsonNode> entries = await().atMost(Duration.ofSeconds(5))
                    .until(() -> entries(log), e -> e.size() == streams);
            assertThat(entries).allSatisfy(e -> assertThat(e.get("protocol").asText()).isEqualTo("HTTP/2.0"));
        }
    }

    @Test
    void gracefulStopSendsGoAwayAndLetsStreamsInFlightFinish() throws Exception {
        try (TestBackend backend = TestBackend.builder("slow").delay(Duration.ofSeconds(1)).start();
             HalbFixture halb = HalbFixture.start(h2cTemplate(backend));
             H2Client client = H2Client.connect(halb.address("web"))) {
            List<H2Client.Exchange> inFlight = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                inFlight.add(client.request(H2Client.get("/slow/" + i), null));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.requests() == 3);

            long stopStarted = System.nanoTime();
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> halb.halb().stop(Duration.ofSeconds(5)));
            H2Client.Http2GoAway goAway = client.goAway().get(3, TimeUnit.SECONDS);
            assertThat(goAway.errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
            assertThat(goAway.lastStreamId()).as("every stream opened so far may finish")
                    .isGreaterThanOrEqualTo(inFlight.get(2).id());
            for (int i = 0; i < 3; i++) {
                H2Client.Exchange ex = inFlight.get(i).await(ANSWERED);
                assertThat(ex.status()).as("%s", ex).isEqualTo(200);
                assertThat(ex.bodyText()).isEqualTo("slow GET /slow/" + i);
            }
            client.closed().get(5, TimeUnit.SECONDS);
            stopped.get(10, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - stopStarted)).as("stop(5s) with ~1 s requests in flight")
                    .isLessThan(Duration.ofSeconds(7));
        }
    }

    @Test
    void idleConnectionIsClosedWithGoAway() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(h2cTemplate(backend).replace("client_idle: 30s", "client_idle: 1s"));
             H2Client client = H2Client.connect(halb.address("web"))) {
            assertThat(client.request(H2Client.get("/once"), null).await(ANSWERED).status()).isEqualTo(200);
            H2Client.Http2GoAway goAway = client.goAway().get(10, TimeUnit.SECONDS);
            assertThat(goAway.errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
            client.closed().get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void connectionThatNeverFinishesItsPrefaceIsClosed() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(h2cTemplate(backend).replace("header_read: 10s", "header_read: 1s"));
             RawClient client = halb.connect("web")) {
            client.write("PRI * HTTP/2.0\r\n");
            assertThat(client.closedByPeer(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void aProxyProtocolHeaderNamesTheClientOfEveryStream() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(h2cTemplate(backend).replace("h2c: true}",
                     "h2c: true, proxy_protocol: {trusted: [127.0.0.0/8]}}"));
             H2Client client = H2Client.connect(halb.address("web"),
                     "PROXY TCP4 198.18.0.7 127.0.0.1 5555 80\r\n".getBytes(StandardCharsets.US_ASCII))) {
            for (int i = 0; i < 2; i++) {
                H2Client.Exchange ex = client.request(H2Client.get("/p" + i), null).await(ANSWERED);
                assertThat(ex.status()).as("%s", ex).isEqualTo(200);
                assertThat(backend.lastRequest().header("x-forwarded-for")).contains("198.18.0.7");
            }
        }
    }

    @Test
    void aClientsRequestRateLimitCountsEveryStream() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(h2cTemplate(backend).replace("h2c: true}",
                     "h2c: true, limits: {per_client: {request_rate: {rate: 1, burst: 5}}}}"));
             H2Client client = H2Client.connect(halb.address("web"))) {
            int served = 0;
            int limited = 0;
            long started = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                H2Client.Exchange ex = client.request(H2Client.get("/r" + i), null).await(ANSWERED);
                if (ex.status() == 200) {
                    served++;
                } else {
                    assertThat(ex.status()).as("%s", ex).isEqualTo(429);
                    assertThat(ex.bodyText()).contains("request rate");
                    limited++;
                }
            }
            // The burst, plus one token per second the loop took (it takes well under one).
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            assertThat(served).as("burst 5 at 1/s, in %d s", seconds).isBetween(5, 6 + (int) seconds);
            assertThat(limited).isEqualTo(20 - served);
            assertThat(client.isOpen()).as("a refused request ends its stream, not the connection").isTrue();
        }
    }

    @Test
    void serverFailuresAreAnsweredPerStream() throws Exception {
        try (TestBackend backend = TestBackend.builder("reset").mode(TestBackend.Mode.RESET).start();
             HalbFixture halb = HalbFixture.start(h2cTemplate(backend));
             H2Client client = H2Client.connect(halb.address("web"))) {
            H2Client.Exchange ex = client.request(H2Client.get("/boom"), null).await(ANSWERED);
            assertThat(ex.status()).as("%s", ex).isEqualTo(502);
            assertThat(ex.bodyText()).contains("server reset");
            H2Client.Exchange post = client.request(H2Client.headers("POST", "/boom"), "abc".getBytes(StandardCharsets.US_ASCII))
                    .await(ANSWERED);
            assertThat(post.status()).as("%s", post).isEqualTo(502);
            assertThat(client.isOpen()).isTrue();
        }
    }

    @Test
    void thePrefaceOrARequestMayArriveInPieces() throws Exception {
        byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] emptySettings = {0, 0, 0, 4, 0, 0, 0, 0, 0};
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(h2cTemplate(backend))) {
            try (RawClient h2 = halb.connect("web")) {
                h2.write(preface, 0, 3);
                Thread.sleep(100);
                h2.write(preface, 3, 10);
                Thread.sleep(100);
                h2.write(preface, 13, preface.length - 13).write(emptySettings);
                byte[] frameHead = h2.readBytes(9);
                assertThat(frameHead[3]).as("the server's first frame is SETTINGS").isEqualTo((byte) 4);
            }
            try (RawClient h1 = halb.connect("web")) {
                h1.write("P");
                Thread.sleep(100);
                h1.write("OST /pieces HTTP/1.1\r\nHost: app.test\r\nContent-Length: 2\r\n\r\nok");
                RawResponse r = h1.readResponse();
                assertThat(r.status()).as("%s", r).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("b1 POST /pieces");
            }
        }
    }

    @Test
    void http11IsStillServedOnTheSamePort() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(h2cTemplate(backend));
             RawClient client = halb.connect("web")) {
            RawResponse r = client.write(RawClient.get("app.test", "/one")).readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("b1 GET /one");
            RawResponse r2 = client.write(RawClient.get("app.test", "/two")).readResponse();
            assertThat(r2.bodyText()).isEqualTo("b1 GET /two");
            assertThat(backend.connections()).isEqualTo(1);
        }
    }

    @Test
    void expectContinueIsRelayedAsAnInformationalHead() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(h2cTemplate(backend));
             H2Client client = H2Client.connect(halb.address("web"))) {
            byte[] body = "x".repeat(1000).getBytes(StandardCharsets.US_ASCII);
            H2Client.Exchange ex = client.request(H2Client.headers("PUT", "/put").add("expect", "100-continue")
                    .addInt("content-length", body.length), body).await(ANSWERED);
            assertThat(ex.status()).as("%s", ex).isEqualTo(200);
            assertThat(ex.informational()).containsExactly(100);
            assertThat(ex.header("x-request-body-length")).isEqualTo("1000");
            assertThat(backend.lastRequest().header("content-length")).contains("1000");
        }
    }

    @Test
    void curlSpeaksHttp2WithPriorKnowledge() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(h2cTemplate(backend))) {
            String out = curl("--http2-prior-knowledge", "-sS", "-w", "\n%{http_version} %{http_code}",
                    halb.uri("web", "/curl").toString());
            assertThat(out).isEqualTo("b1 GET /curl\n2 200");
            String upload = curl("--http2-prior-knowledge", "-sS", "-o", "/dev/null", "-D", "-",
                    "--data-binary", "hello h2", halb.uri("web", "/post").toString());
            assertThat(upload).startsWith("HTTP/2 200").contains("x-request-body-length: 8");
            assertThat(backend.lastRequest().method()).isEqualTo("POST");
        }
    }

    @Test
    void malformedRequestsAreRefusedStreamByStream() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(h2cTemplate(backend));
             H2Client client = H2Client.connect(halb.address("web"))) {
            Map<String, Http2Headers> malformed = new LinkedHashMap<>();
            malformed.put("upper-case field name", H2Client.get("/a").add("X-Upper", "1"));
            malformed.put("connection-specific field", H2Client.get("/b").add("connection", "keep-alive"));
            malformed.put("upgrade handshake", H2Client.get("/c").add("connection", "upgrade").add("upgrade", "websocket"));
            malformed.put("upgrade alone", H2Client.get("/d").add("upgrade", "websocket"));
            malformed.put("te other than trailers", H2Client.get("/e").add("te", "gzip"));
            malformed.put("no :path", new DefaultHttp2Headers(false).method("GET").scheme("http").authority("app.test"));
            malformed.put("no :scheme", new DefaultHttp2Headers(false).method("GET").authority("app.test").path("/f"));
            malformed.put("no :method", new DefaultHttp2Headers(false).scheme("http").authority("app.test").path("/g"));
            // A header injected into the HTTP/1.1 request halb writes: RFC 9113 §8.2.1.
            malformed.put("CR LF in a value", H2Client.get("/i").add("x-evil", "a\r\nx-injected: 1"));
            malformed.put("LF in a value", H2Client.get("/j").add("x-evil", "a\nb"));
            malformed.put("NUL in a value", H2Client.get("/k").add("x-evil", "a\u0000b"));
            malformed.put("value starting with a space", H2Client.get("/l").add("x-evil", " lead"));
            for (Map.Entry<String, Http2Headers> m : malformed.entrySet()) {
                H2Client.Exchange ex = client.request(m.getValue(), null).await(ANSWERED);
                assertThat(ex.resetCode()).as("%s: %s", m.getKey(), ex).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            }
            // Refused by halb's own checks, answered with 400: no authority at all, CONNECT.
            H2Client.Exchange noHost = client.request(new DefaultHttp2Headers(false)
                    .method("GET").scheme("http").path("/g"), null).await(ANSWERED);
            assertThat(noHost.status()).as("%s", noHost).isEqualTo(400);
            H2Client.Exchange connect = client.request(new DefaultHttp2Headers(false)
                    .method("CONNECT").authority("app.test:443"), null).await(ANSWERED);
            assertThat(connect.status()).as("%s", connect).isEqualTo(400);
            assertThat(connect.bodyText()).contains("CONNECT is not supported over HTTP/2");
            assertThat(backend.requests()).as("none reached a server").isZero();

            // Stream errors, not connection errors: the connection serves on.
            H2Client.Exchange plain = client.request(H2Client.get("/plain"), null).await(ANSWERED);
            assertThat(plain.status()).as("%s", plain).isEqualTo(200);
            assertThat(backend.requests()).isEqualTo(1);
        }
    }

    private static String curl(String... args) throws Exception {
        Path curl = Path.of("/usr/bin/curl");
        if (!Files.isExecutable(curl)) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("curl is missing: CI must run the HTTP/2 curl test");
            }
            Assumptions.abort("curl is missing (apt-get install curl)");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(curl.toString());
        cmd.add("--max-time");
        cmd.add("20");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("curl %s: %s", cmd, text).isZero();
        return text.replace("\r\n", "\n");
    }

    private static List<JsonNode> entries(Path file) {
        try {
            List<JsonNode> out = new ArrayList<>();
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    out.add(JSON.readTree(line));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

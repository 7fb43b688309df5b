package io.halb.guard;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed and ambiguous requests (PortSwigger's CL.TE / TE.CL / TE.TE families, RFC 9112's
 * MUSTs, HAProxy's strict-parser cases) sent raw through halb: each gets 400 and a closed
 * connection, and the backend receives not one byte of any of them. Legal but unusual requests pass.
 */
class SmugglingCorpusIntegrationTest {

    private static final String H = "Host: a.example\r\n";

    private static Map<String, String> corpus() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("CL.TE", "POST / HTTP/1.1\r\n" + H + "Content-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nSMUGGLED");
        c.put("TE.CL", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n");
        c.put("two unequal Content-Length", "POST / HTTP/1.1\r\n" + H + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
        c.put("two equal Content-Length", "POST / HTTP/1.1\r\n" + H + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello");
        c.put("Content-Length list", "POST / HTTP/1.1\r\n" + H + "Content-Length: 5, 5\r\n\r\nhello");
        c.put("Content-Length with sign", "POST / HTTP/1.1\r\n" + H + "Content-Length: +5\r\n\r\nhello");
        c.put("Content-Length hex", "POST / HTTP/1.1\r\n" + H + "Content-Length: 0x5\r\n\r\nhello");
        c.put("TE chunked, gzip", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n");
        c.put("TE gzip", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip\r\n\r\n0\r\n\r\n");
        c.put("TE xchunked", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n");
        c.put("TE chunked twice", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        c.put("TE chunked then identity", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n");
        c.put("TE with vertical tab", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\u000b\r\n\r\n0\r\n\r\n");
        c.put("TE obs-fold", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n");
        c.put("TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        c.put("obs-fold", "GET / HTTP/1.1\r\n" + H + "X-A: a\r\n b\r\n\r\n");
        c.put("obs-fold with tab", "GET / HTTP/1.1\r\n" + H + "X-A: a\r\n\tb\r\n\r\n");
        c.put("space before colon", "GET / HTTP/1.1\r\nHost : a.example\r\n\r\n");
        c.put("tab before colon", "POST / HTTP/1.1\r\n" + H + "Content-Length\t: 5\r\n\r\nhello");
        c.put("control char in value", "GET / HTTP/1.1\r\n" + H + "X-A: a\u0001b\r\n\r\n");
        c.put("bare CR in value", "GET / HTTP/1.1\r\n" + H + "X-A: a\rb\r\n\r\n");
        c.put("NUL in value", "GET / HTTP/1.1\r\n" + H + "X-A: a\u0000b\r\n\r\n");
        c.put("NUL in target", "GET /a\u0000b HTTP/1.1\r\n" + H + "\r\n");
        c.put("control char in name", "GET / HTTP/1.1\r\n" + H + "X\u0001A: b\r\n\r\n");
        c.put("space in target", "GET /a b HTTP/1.1\r\n" + H + "\r\n");
        c.put("control char in target", "GET /a\u0001b HTTP/1.1\r\n" + H + "\r\n");
        c.put("double space in request line", "GET  / HTTP/1.1\r\n" + H + "\r\n");
        c.put("control char in method", "G\u0001T / HTTP/1.1\r\n" + H + "\r\n");
        c.put("bare LF line endings", "GET / HTTP/1.1\n" + H.replace("\r", "") + "\n");
        c.put("bare LF after a header", "GET / HTTP/1.1\r\nHost: a.example\nX-A: b\r\n\r\n");
        c.put("chunk size not hex", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
        c.put("chunk size overflow", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nx\r\n0\r\n\r\n");
        c.put("negative chunk size", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n-1\r\nx\r\n0\r\n\r\n");
        c.put("empty chunk size", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n\r\n\r\n");
        c.put("control char in chunk extension", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n3;a\u0001b\r\nabc\r\n0\r\n\r\n");
        c.put("chunk data without CRLF", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n");
        c.put("chunk size with trailing space", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n");
        c.put("two Host headers", "GET / HTTP/1.1\r\n" + H + "Host: b.example\r\n\r\n");
        c.put("no Host in HTTP/1.1", "GET / HTTP/1.1\r\n\r\n");
        c.put("absolute-form host mismatch", "GET http://b.example/ HTTP/1.1\r\n" + H + "\r\n");
        c.put("invalid Host", "GET / HTTP/1.1\r\nHost: a.example/evil\r\n\r\n");
        c.put("HTTP/2.0 request line", "GET / HTTP/2.0\r\n" + H + "\r\n");
        c.put("HTTP/1.2", "GET / HTTP/1.2\r\n" + H + "\r\n");
        c.put("garbage version", "GET / FOO/1.1\r\n" + H + "\r\n");
        c.put("asterisk with GET", "GET * HTTP/1.1\r\n" + H + "\r\n");
        c.put("request line over 8 KiB", "GET /" + "a".repeat(9000) + " HTTP/1.1\r\n" + H + "\r\n");
        c.put("header section over 32 KiB", "GET / HTTP/1.1\r\n" + H + "X-A: " + "a".repeat(33_000) + "\r\n\r\n");
        c.put("over 100 headers", "GET / HTTP/1.1\r\n" + H + "X-A: b\r\n".repeat(100) + "\r\n");
        return c;
    }

    private static List<String> controls() {
        List<String> c = new ArrayList<>();
        c.add("GET / HTTP/1.0\r\n\r\n");
        c.add("POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n3;ext=1;q=\"x y\"\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n");
        c.add("POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        c.add("POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked \r\n\r\n0\r\n\r\n");
        c.add("OPTIONS * HTTP/1.1\r\n" + H + "\r\n");
        c.add("GET http://a.example/x?y=1 HTTP/1.1\r\n" + H + "\r\n");
        c.add("GET HTTP://A.EXAMPLE:80/ HTTP/1.1\r\n" + H + "\r\n");
        c.add("GET / HTTP/1.1\r\n" + H + "X-A: a\tb \u00e9\u00bf\r\n\r\n");
        c.add("\r\nGET / HTTP/1.1\r\n" + H + "\r\n");
        c.add("POST / HTTP/1.1\r\n" + H + "Content-Length: 005\r\n\r\nhello");
        c.add("GET /%20a?b=c%00 HTTP/1.1\r\n" + H + "X-Empty:\r\n\r\n");
        return c;
    }

    @Test
    void refusesEveryMalformedRequestWithoutSendingAByteToTheServer() throws Exception {
        try (TestBackend backend = TestBackend.builder("b1").recordRawBytes(true).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 0, backend))) {
            List<String> failures = new ArrayList<>();
            for (Map.Entry<String, String> e : corpus().entrySet()) {
                try (RawClient client = halb.connect("web")) {
                    client.write(e.getValue());
                    RawResponse r = client.readResponse();
                    if (r.status() != 400) {
                        failures.add(e.getKey() + ": " + r.status() + " " + r.bodyText());
                    } else if (!client.closedByPeer(Duration.ofSeconds(5))) {
                        failures.add(e.getKey() + ": connection left open");
                    }
                } catch (Exception ex) {
                    failures.add(e.getKey() + ": " + ex);
                }
            }
            assertThat(failures).isEmpty();
            assertThat(corpus()).hasSizeGreaterThanOrEqualTo(30);
            assertThat(new String(backend.rawBytes(), StandardCharsets.ISO_8859_1)).isEmpty();
            assertThat(backend.connections()).isZero();
        }
    }

    @Test
    void passesLegalButUnusualRequests() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 0, backend))) {
            List<String> failures = new ArrayList<>();
            for (String request : controls()) {
                try (RawClient client = halb.connect("web")) {
                    client.write(request);
                    RawResponse r = client.readResponse();
                    if (r.status() != 200) {
                        failures.add(request.replace("\r\n", "|") + " -> " + r.status() + " " + r.bodyText());
                    }
                }
            }
            assertThat(failures).isEmpty();
            assertThat(backend.requests()).isEqualTo(controls().size());
        }
    }

    @Test
    void answersFinePipelinedRequestsBeforeRefusingAMalformedOne() throws Exception {
        try (TestBackend backend = TestBackend.builder("b1").recordRawBytes(true).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 0, backend));
             RawClient client = halb.connect("web")) {
            client.write("POST /one HTTP/1.1\r\n" + H + "Content-Length: 3\r\n\r\nabc"
                    + "GET /two HTTP/1.1\r\n" + H + "X-A: a\r\n b\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(200);
            RawResponse refused = client.readResponse();
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.bodyText()).contains("obsolete line folding");
            assertThat(client.closedByPeer(Duration.ofSeconds(5))).isTrue();
            assertThat(new String(backend.rawBytes(), StandardCharsets.ISO_8859_1)).doesNotContain("/two");
        }
    }

    @Test
    void answers502WhenTheServerSendsContentLengthAndTransferEncoding() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TestBackend placeholder = TestBackend.start("bad")) {
            Thread t = new Thread(() -> serveBadResponses(server,
                    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"));
            t.setDaemon(true);
            t.start();
            String yaml = HalbFixture.httpTemplate("round_robin", 0, placeholder)
                    .replaceAll("address: \"[^\"]+\"", "address: \"127.0.0.1:" + server.getLocalPort() + "\"");
            try (HalbFixture halb = HalbFixture.start(yaml); RawClient client = halb.connect("web")) {
                client.write("GET / HTTP/1.1\r\n" + H + "\r\n");
                RawResponse r = client.readResponse();
                assertThat(r.status()).isEqualTo(502);
                assertThat(r.bodyText()).contains("invalid response from server");
            }
        }
    }

    private static void serveBadResponses(ServerSocket server, String response) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                byte[] buf = new byte[8192];
                StringBuilder head = new StringBuilder();
                while (!head.toString().contains("\r\n\r\n")) {
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    head.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
                OutputStream out = s.getOutputStream();
                out.write(response.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                in.read(buf);
            } catch (Exception e) {
                return;
            }
        }
    }
}

package io.halb.proxy;

import io.halb.testing.BodyDigest;
import io.halb.testing.HalbFixture;
import io.halb.testing.Payload;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.RecordedRequest;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Request and response bodies, framed by content-length or chunked, arrive intact. */
class BodyIntegrationTest {

    private static final int SIZE = 3 * 1024 * 1024 + 12_345;

    @Test
    void contentLengthUploadReachesTheBackendIntact() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            client.write(RawClient.request("POST", "app.test", "/upload", "Content-Length: " + SIZE,
                    "Content-Type: application/octet-stream"));
            BodyDigest sent = client.writePayload(SIZE);
            RawResponse r = client.readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            RecordedRequest got = backend.lastRequest();
            assertThat(got.method()).isEqualTo("POST");
            assertThat(got.bodyLength()).isEqualTo(SIZE);
            assertThat(got.bodyCrc32()).isEqualTo(sent.crc32());
        }
    }

    @Test
    void chunkedUploadReachesTheBackendIntact() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            byte[] body = Payload.bytes(SIZE);
            client.write(RawClient.request("POST", "app.test", "/upload", "Transfer-Encoding: chunked"));
            // Uneven chunk sizes, a chunk extension and a trailer: all legal, all must be handled.
            int[] sizes = {1, 100, 8192, 65536, 100_000, 3};
            int off = 0;
            for (int i = 0; off < body.length; i++) {
                int n = Math.min(sizes[i % sizes.length], body.length - off);
                String ext = i == 2 ? ";note=x" : "";
                client.write(Integer.toHexString(n) + ext + "\r\n");
                client.write(body, off, n);
                client.write("\r\n");
                off += n;
            }
            client.write("0\r\nX-Trailer: t\r\n\r\n");
            RawResponse r = client.readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            RecordedRequest got = backend.lastRequest();
            assertThat(got.bodyLength()).isEqualTo(SIZE);
            assertThat(got.bodyCrc32()).isEqualTo(Payload.crc32(SIZE));
            // The connection is still usable: the request was framed exactly.
            RawResponse next = client.write(RawClient.get("app.test", "/after")).readResponse();
            assertThat(next.bodyText()).isEqualTo("b1 GET /after");
        }
    }

    @Test
    void contentLengthResponseComesBackIntact() throws Exception {
        try (TestBackend backend = TestBackend.builder("b1").stream(SIZE, false).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            BodyDigest got = new BodyDigest();
            RawResponse r = client.write(RawClient.get("app.test", "/download")).readResponse(got);
            assertThat(r.status()).isEqualTo(200);
            assertThat(got.length()).isEqualTo(SIZE);
            assertThat(got.crc32()).isEqualTo(Payload.crc32(SIZE));
            assertThat(client.write(RawClient.get("app.test", "/again")).readResponse(new BodyDigest()).status())
                    .isEqualTo(200);
        }
    }

    @Test
    void chunkedResponseComesBackIntact() throws Exception {
        try (TestBackend backend = TestBackend.builder("b1").stream(SIZE, true).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            BodyDigest got = new BodyDigest();
            RawResponse r = client.write(RawClient.get("app.test", "/download")).readResponse(got);
            assertThat(r.status()).isEqualTo(200);
            assertThat(got.length()).isEqualTo(SIZE);
            assertThat(got.crc32()).isEqualTo(Payload.crc32(SIZE));
            assertThat(client.write(RawClient.get("app.test", "/again")).readResponse(new BodyDigest()).status())
                    .isEqualTo(200);
        }
    }

    @Test
    void smallChunkedResponseKeepsItsBody() throws Exception {
        try (TestBackend backend = TestBackend.builder("b1").mode(TestBackend.Mode.CHUNKED).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            for (int i = 0; i < 3; i++) {
                RawResponse r = client.write(RawClient.get("app.test", "/chunked/" + i)).readResponse();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("b1 GET /chunked/" + i);
            }
        }
    }

    @Test
    void echoedBodyMakesTheRoundTripIntact() throws Exception {
        byte[] body = Payload.bytes(1024 * 1024 + 7);
        try (TestBackend backend = TestBackend.builder("b1").mode(TestBackend.Mode.ECHO).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            client.write(RawClient.request("PUT", "app.test", "/echo", "Content-Length: " + body.length));
            client.write(body);
            RawResponse r = client.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(body);
        }
    }

    @Test
    void emptyPostReachesTheBackendWithZeroLength() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            ByteArrayOutputStream req = new ByteArrayOutputStream();
            req.writeBytes(RawClient.request("POST", "app.test", "/empty", "Content-Length: 0")
                    .getBytes(StandardCharsets.US_ASCII));
            RawResponse r = client.write(req.toByteArray()).readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(backend.lastRequest().bodyLength()).isZero();
        }
    }

    @Test
    void jdkHttpClientGetsItsUploadEchoedBack() throws Exception {
        byte[] body = Payload.bytes(256 * 1024 + 3);
        try (TestBackend backend = TestBackend.builder("b1").mode(TestBackend.Mode.ECHO).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend))) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            for (int i = 0; i < 3; i++) {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(halb.uri("web", "/jdk/" + i))
                                .timeout(Duration.ofSeconds(10))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo(body);
            }
            assertThat(backend.requests()).isEqualTo(3);
        }
    }
}

package io.halb.testing;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The fixtures talk to each other directly, without halb: proves the harness before it proves halb. */
class FixturesTest {

    @Test
    void normalBackendAnswersWithItsNameAndRecordsTheRequest() throws Exception {
        try (TestBackend b = TestBackend.start("b1"); RawClient c = RawClient.connect(b.address())) {
            c.write(RawClient.get("example.com", "/x", "X-Test: 1") + RawClient.get("example.com", "/y"));
            RawResponse r1 = c.readResponse();
            RawResponse r2 = c.readResponse();
            assertThat(r1.status()).isEqualTo(200);
            assertThat(r1.bodyText()).isEqualTo("b1 GET /x");
            assertThat(r2.bodyText()).isEqualTo("b1 GET /y");
            assertThat(b.connections()).isEqualTo(1);
            assertThat(b.recordedRequests()).hasSize(2);
            assertThat(b.recordedRequests().get(0).header("x-test")).contains("1");
        }
    }

    @Test
    void chunkedAndStreamedAnswersArriveIntact() throws Exception {
        try (TestBackend chunked = TestBackend.builder("c").mode(TestBackend.Mode.CHUNKED).start();
             TestBackend stream = TestBackend.builder("s").stream(3 * Payload.BLOCK + 17, true).start();
             RawClient c1 = RawClient.connect(chunked.address());
             RawClient c2 = RawClient.connect(stream.address())) {
            RawResponse r = c1.write(RawClient.get("h", "/abc")).readResponse();
            assertThat(r.chunked()).isTrue();
            assertThat(r.bodyText()).isEqualTo("c GET /abc");
            BodyDigest d = new BodyDigest();
            RawResponse s = c2.write(RawClient.get("h", "/")).readResponse(d);
            assertThat(s.chunked()).isTrue();
            assertThat(d.length()).isEqualTo(3 * Payload.BLOCK + 17);
            assertThat(d.crc32()).isEqualTo(Payload.crc32(3 * Payload.BLOCK + 17));
        }
    }

    @Test
    void echoBackendReturnsTheBodyAfter100Continue() throws Exception {
        byte[] body = Payload.bytes(10_000);
        try (TestBackend b = TestBackend.builder("e").mode(TestBackend.Mode.ECHO).start();
             RawClient c = RawClient.connect(b.address())) {
            c.write(RawClient.request("POST", "h", "/up", "Content-Length: 10000", "Expect: 100-continue"));
            assertThat(c.readResponse().status()).isEqualTo(100);
            c.write(body);
            RawResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(body);
            assertThat(r.header("X-Request-Body-Crc32")).contains(Long.toHexString(Payload.crc32(10_000)));
        }
    }

    @Test
    void resetAndStallBackendsMisbehave() throws Exception {
        try (TestBackend reset = TestBackend.builder("r").mode(TestBackend.Mode.RESET).start();
             TestBackend stall = TestBackend.builder("s").mode(TestBackend.Mode.STALL).start();
             RawClient c1 = RawClient.connect(reset.address());
             RawClient c2 = RawClient.connect(stall.address())) {
            c1.write(RawClient.get("h", "/"));
            assertThatThrownBy(c1::readResponse).isInstanceOf(IOException.class);
            c2.write(RawClient.get("h", "/"));
            assertThat(c2.closedByPeer(Duration.ofMillis(300))).isFalse();
            await().untilAsserted(() -> assertThat(stall.requests()).isEqualTo(1));
        }
    }

    @Test
    void staleBackendClosesOnTheRequestAfterN() throws Exception {
        try (TestBackend b = TestBackend.builder("st").staleAfterRequests(2).start();
             RawClient c = RawClient.connect(b.address())) {
            c.write(RawClient.get("h", "/1"));
            assertThat(c.readResponse().status()).isEqualTo(200);
            c.write(RawClient.get("h", "/2"));
            RawResponse second = c.readResponse();
            assertThat(second.header("Connection")).isEmpty();
            c.write(RawClient.get("h", "/3"));
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void webSocketBackendEchoes() throws Exception {
        try (TestBackend b = TestBackend.builder("ws").mode(TestBackend.Mode.WEBSOCKET_ECHO).start()) {
            CompletableFuture<String> got = new CompletableFuture<>();
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create("ws://" + b.hostPort() + "/ws"), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            got.complete(data.toString());
                            return null;
                        }
                    }).get(5, TimeUnit.SECONDS);
            ws.sendText("hello", true).get(5, TimeUnit.SECONDS);
            assertThat(got.get(5, TimeUnit.SECONDS)).isEqualTo("hello");
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
            HttpResponse<String> plain = HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(URI.create("http://" + b.hostPort() + "/p")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(plain.body()).isEqualTo("ws GET /p");
        }
    }

    @Test
    void tcpEchoBackendSendsTrailerAfterHalfClose() throws Exception {
        try (TcpEchoBackend b = TcpEchoBackend.start(); RawClient c = RawClient.connect(b.address())) {
            c.write("ping");
            assertThat(new String(c.readBytes(4), StandardCharsets.US_ASCII)).isEqualTo("ping");
            c.shutdownOutput();
            assertThat(c.readUntilClose()).isEqualTo(TcpEchoBackend.TRAILER);
        }
    }

    @Test
    void payloadIsPositional() {
        byte[] whole = Payload.bytes(3 * Payload.BLOCK);
        byte[] part = new byte[Payload.BLOCK + 10];
        Payload.fill(Payload.BLOCK - 5, part, 0, part.length);
        assertThat(part).isEqualTo(java.util.Arrays.copyOfRange(whole, Payload.BLOCK - 5, 2 * Payload.BLOCK + 5));
        assertThat(whole[Payload.BLOCK + 7]).isEqualTo((byte) 1);
    }
}

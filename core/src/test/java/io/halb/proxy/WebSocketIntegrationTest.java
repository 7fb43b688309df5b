package io.halb.proxy;

import io.halb.testing.HalbFixture;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A WebSocket upgrade passes through halb, and frames flow both ways after it. */
class WebSocketIntegrationTest {

    @Test
    void webSocketEchoWorksThroughHalb() throws Exception {
        try (TestBackend backend = TestBackend.builder("ws").mode(TestBackend.Mode.WEBSOCKET_ECHO).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend))) {
            LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
            CompletableFuture<Integer> closed = new CompletableFuture<>();
            URI uri = URI.create(halb.uri("web", "/ws").toString().replaceFirst("^http", "ws"));
            WebSocket ws = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                    .newWebSocketBuilder()
                    .buildAsync(uri, new WebSocket.Listener() {
                        private final StringBuilder partial = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            partial.append(data);
                            if (last) {
                                received.add(partial.toString());
                                partial.setLength(0);
                            }
                            w.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
                            closed.complete(status);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            List<String> got = new ArrayList<>();
            for (String msg : List.of("hello", "through", "halb", "x".repeat(50_000))) {
                ws.sendText(msg, true).get(5, TimeUnit.SECONDS);
                got.add(received.poll(5, TimeUnit.SECONDS));
            }
            assertThat(got).containsExactly("hello", "through", "halb", "x".repeat(50_000));
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
            assertThat(closed.get(5, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
            assertThat(backend.lastRequest().header("Upgrade")).hasValueSatisfying(
                    v -> assertThat(v).isEqualToIgnoringCase("websocket"));
        }
    }
}

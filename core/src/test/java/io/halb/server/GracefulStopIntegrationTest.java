package io.halb.server;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@link Halb#stop(Duration)}: stop accepting at once, let in-flight requests finish, then close. */
class GracefulStopIntegrationTest {

    @Test
    void inFlightRequestCompletesWhileNewConnectionsAreRefused() throws Exception {
        try (TestBackend backend = TestBackend.builder("slow").delay(Duration.ofSeconds(1)).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 0, backend));
             RawClient client = halb.connect("web")) {
            InetSocketAddress address = halb.address("web");
            client.write(RawClient.get("app.test", "/slow"));
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.requests() == 1);

            long stopStarted = System.nanoTime();
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> halb.halb().stop(Duration.ofSeconds(5)));

            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
                    .until(() -> connectionRefused(address));
            RawResponse r = client.readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("slow GET /slow");

            stopped.get(10, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - stopStarted);
            assertThat(took).as("stop(5s) with one request of ~1 s in flight").isLessThan(Duration.ofSeconds(7));
            assertThat(client.closedByPeer(Duration.ofSeconds(2))).as("connections closed once stopped").isTrue();
        }
    }

    @Test
    void stopWithNothingInFlightReturnsPromptly() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 0, backend))) {
            try (RawClient client = halb.connect("web")) {
                assertThat(client.write(RawClient.get("app.test", "/")).readResponse().status()).isEqualTo(200);
            }
            long started = System.nanoTime();
            halb.halb().stop(Duration.ofSeconds(5));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
            assertThat(connectionRefused(halb.address("web"))).isTrue();
        }
    }

    static boolean connectionRefused(InetSocketAddress address) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 500);
            return false;
        } catch (ConnectException e) {
            return true;
        }
    }
}

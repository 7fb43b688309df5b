package io.halb.server;

import io.halb.testing.HalbFixture;
import io.halb.testing.HalbProcess;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** halb as an operator runs it: {@code halb run -c FILE} in its own JVM, stopped by SIGTERM. */
class ProcessSigtermIntegrationTest {

    @Test
    void sigtermLetsTheInFlightRequestFinishAndExitsZero(@TempDir Path dir) throws Exception {
        int port = HalbProcess.freePort();
        try (TestBackend backend = TestBackend.builder("slow").delay(Duration.ofSeconds(1)).start()) {
            Path config = dir.resolve("halb.yaml");
            Files.writeString(config, HalbFixture.render("""
                    event_loops: 1
                    admin: {bind: "127.0.0.1:0"}
                    listeners:
                      - {name: web, bind: "127.0.0.1:{{port}}", pool: web}
                    pools:
                      - name: web
                        retries: 0
                        servers:
                          - {name: slow, address: "{{slow}}"}
                    timeouts: {shutdown: 10s}
                    """, Map.of("port", port, "slow", backend)));
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
            try (HalbProcess halb = HalbProcess.start(dir, "run", "-c", config.toString())) {
                halb.awaitListening(address, Duration.ofSeconds(30));
                try (RawClient client = RawClient.connect(address)) {
                    client.write(RawClient.get("app.test", "/slow"));
                    await().atMost(Duration.ofSeconds(5)).until(() -> backend.requests() == 1);
                    halb.sigterm();
                    RawResponse r = client.readResponse();
                    assertThat(r.status()).as("%s\n%s", r, halb.output()).isEqualTo(200);
                    assertThat(r.bodyText()).isEqualTo("slow GET /slow");
                }
                assertThat(halb.awaitExit(Duration.ofSeconds(15))).as("exit code\n%s", halb.output()).isZero();
            }
        }
    }
}

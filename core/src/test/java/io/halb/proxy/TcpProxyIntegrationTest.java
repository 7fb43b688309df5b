package io.halb.proxy;

import io.halb.testing.BodyDigest;
import io.halb.testing.HalbFixture;
import io.halb.testing.Payload;
import io.halb.testing.RawClient;
import io.halb.testing.TcpEchoBackend;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** TCP mode relays bytes both ways untouched and passes a half-close through. */
class TcpProxyIntegrationTest {

    private static final String TEMPLATE = """
            event_loops: 2
            admin: {bind: "127.0.0.1:0"}
            listeners:
              - {name: tcp, bind: "127.0.0.1:0", mode: tcp, pool: echo}
            pools:
              - name: echo
                servers:
                  - {name: echo, address: "{{echo}}"}
            """;

    @Test
    void relaysBytesBothWays() throws Exception {
        try (TcpEchoBackend echo = TcpEchoBackend.start();
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("echo", echo));
             RawClient client = halb.connect("tcp")) {
            client.write("hello\r\n");
            assertThat(new String(client.readBytes(7), StandardCharsets.US_ASCII)).isEqualTo("hello\r\n");
            int size = 8 * 1024 * 1024;
            // Write and read at once: the echo fills buffers both ways, so a writer alone would block.
            CompletableFuture<BodyDigest> sent = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.writePayload(size);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] back = client.readBytes(size);
            assertThat(sent.get(30, TimeUnit.SECONDS).length()).isEqualTo(size);
            BodyDigest got = new BodyDigest();
            got.update(back, 0, back.length);
            assertThat(got.crc32()).isEqualTo(Payload.crc32(size));
            assertThat(echo.connections()).isEqualTo(1);
        }
    }

    @Test
    void halfCloseReachesTheServerAndItsLastBytesStillReachTheClient() throws Exception {
        try (TcpEchoBackend echo = TcpEchoBackend.start();
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("echo", echo));
             RawClient client = halb.connect("tcp")) {
            client.write("last words");
            assertThat(new String(client.readBytes(10), StandardCharsets.US_ASCII)).isEqualTo("last words");
            client.shutdownOutput();
            // The server sees EOF, answers with its trailer, then closes: the client gets both.
            assertThat(client.readUntilClose()).isEqualTo(TcpEchoBackend.TRAILER);
        }
    }

    @Test
    void eachClientConnectionGetsItsOwnServerConnection() throws Exception {
        try (TcpEchoBackend echo = TcpEchoBackend.start();
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("echo", echo))) {
            for (int i = 0; i < 5; i++) {
                try (RawClient client = halb.connect("tcp")) {
                    String msg = "conn " + i;
                    client.write(msg);
                    assertThat(new String(client.readBytes(msg.length()), StandardCharsets.US_ASCII)).isEqualTo(msg);
                }
            }
            assertThat(echo.connections()).isEqualTo(5);
        }
    }
}

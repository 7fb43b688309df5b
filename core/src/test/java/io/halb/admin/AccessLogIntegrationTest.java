package io.halb.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TcpEchoBackend;
import io.halb.testing.TestBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real halb with {@code access_log: {format: json}} logs each request and TCP session through it. */
class AccessLogIntegrationTest {

    private static final String TEMPLATE = """
            event_loops: 2
            admin: {bind: "127.0.0.1:0"}
            access_log: {path: "{{log}}", format: json}
            listeners:
              - {name: web, bind: "127.0.0.1:0", mode: http, pool: web}
              - {name: echo, bind: "127.0.0.1:0", mode: tcp, pool: echo}
            pools:
              - name: web
                health: {type: none}
                servers: [{name: web1, address: "{{web1}}"}]
              - name: echo
                health: {type: none}
                servers: [{name: echo1, address: "{{echo1}}"}]
            timeouts: {connect: 2s, header_read: 10s, client_idle: 30s, server: 20s, upstream_idle: 30s, shutdown: 5s}
            """;

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

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

    @Test
    void eachRequestAndTcpSessionBecomesAJsonLine() throws Exception {
        Path log = dir.resolve("access.log");
        try (TestBackend web1 = TestBackend.start("web1"); TcpEchoBackend echo1 = TcpEchoBackend.start();
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("log", log, "web1", web1, "echo1", echo1))) {
            RawResponse response;
            try (RawClient client = halb.connect("web")) {
                response = client.write(RawClient.get("app.test", "/hello?x=1",
                        "User-Agent: probe/1.0", "Referer: https://ref.test/\"q\"")).readResponse();
            }
            assertThat(response.status()).isEqualTo(200);

            JsonNode request = await().atMost(Duration.ofSeconds(5))
                    .until(() -> entries(log), e -> !e.isEmpty()).get(0);
            assertThat(request.get("type").asText()).isEqualTo("http");
            assertThat(request.get("client").asText()).isEqualTo("127.0.0.1");
            assertThat(request.get("listener").asText()).isEqualTo("web");
            assertThat(request.get("pool").asText()).isEqualTo("web");
            assertThat(request.get("server").asText()).isEqualTo("web1");
            assertThat(request.get("method").asText()).isEqualTo("GET");
            assertThat(request.get("uri").asText()).isEqualTo("/hello?x=1");
            assertThat(request.get("protocol").asText()).isEqualTo("HTTP/1.1");
            assertThat(request.get("host").asText()).isEqualTo("app.test");
            assertThat(request.get("status").asInt()).isEqualTo(200);
            assertThat(request.get("bytes_out").asLong()).isEqualTo(response.bodyLength());
            assertThat(request.get("response_ms").asDouble()).isPositive()
                    .isLessThanOrEqualTo(request.get("total_ms").asDouble());
            assertThat(request.get("retries").asInt()).isZero();
            assertThat(request.get("termination").asText()).isEqualTo("ok");
            assertThat(request.get("user_agent").asText()).isEqualTo("probe/1.0");
            assertThat(request.get("referer").asText()).isEqualTo("https://ref.test/\"q\"");

            try (RawClient tcp = halb.connect("echo")) {
                tcp.write("ping");
                assertThat(new String(tcp.readBytes(4), StandardCharsets.US_ASCII)).isEqualTo("ping");
                tcp.shutdownOutput();
                assertThat(tcp.readUntilClose()).isEqualTo(TcpEchoBackend.TRAILER);
            }
            JsonNode session = await().atMost(Duration.ofSeconds(5))
                    .until(() -> entries(log), e -> e.size() >= 2).get(1);
            assertThat(session.get("type").asText()).isEqualTo("tcp");
            assertThat(session.get("listener").asText()).isEqualTo("echo");
            assertThat(session.get("pool").asText()).isEqualTo("echo");
            assertThat(session.get("server").asText()).isEqualTo("echo1");
            assertThat(session.get("bytes_in").asLong()).isEqualTo(4);
            assertThat(session.get("bytes_out").asLong()).isEqualTo(4 + TcpEchoBackend.TRAILER.length);
            assertThat(session.get("connected").asBoolean()).isTrue();
            assertThat(session.get("termination").asText()).isEqualTo("ok");
            assertThat(session.get("duration_ms").asDouble()).isPositive();
        }
        assertThat(entries(log)).hasSize(2);
    }

    @Test
    void afterTheFileIsMovedAwayReopeningLogsToANewFileAtThePath() throws Exception {
        Path log = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        try (TestBackend web1 = TestBackend.start("web1"); TcpEchoBackend echo1 = TcpEchoBackend.start();
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("log", log, "web1", web1, "echo1", echo1));
             RawClient client = halb.connect("web")) {
            assertThat(client.write(RawClient.get("app.test", "/before")).readResponse().status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> entries(log).size() == 1);

            Files.move(log, rotated);
            halb.halb().reopenLogs(); // what SIGUSR1 does
            assertThat(client.write(RawClient.get("app.test", "/after")).readResponse().status()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(entries(log))
                    .singleElement().satisfies(e -> assertThat(e.get("uri").asText()).isEqualTo("/after")));
            assertThat(entries(rotated)).singleElement()
                    .satisfies(e -> assertThat(e.get("uri").asText()).isEqualTo("/before"));
        }
    }
}

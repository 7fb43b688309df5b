package io.halb.server;

import io.halb.config.ConfigLoader;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin listener of a real halb: auth, runtime changes seen by traffic, exact metrics, reload. */
class AdminIntegrationTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Halb start(TestBackend b1, TestBackend b2) throws Exception {
        Files.writeString(dir.resolve("token"), "s3cret\n");
        Path file = dir.resolve("halb.yaml");
        Files.writeString(file, """
                event_loops: 1
                admin: {bind: "127.0.0.1:0", token_file: token, state_file: state.json}
                listeners:
                  - {name: web, bind: "127.0.0.1:0", mode: http, pool: web}
                pools:
                  - name: web
                    servers:
                      - {name: b1, address: "%s"}
                      - {name: b2, address: "%s"}
                """.formatted(b1.hostPort(), b2.hostPort()));
        return Halb.start(ConfigLoader.load(file, Map.of()));
    }

    private HttpResponse<String> call(Halb halb, String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + hostPort(halb) + path))
                .timeout(Duration.ofSeconds(5))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String hostPort(Halb halb) {
        var a = halb.adminAddress().orElseThrow();
        return "127.0.0.1:" + a.getPort();
    }

    @Test
    void withoutTheTokenNothingIsReadOrChanged() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1"); TestBackend b2 = TestBackend.start("b2");
             Halb halb = start(b1, b2)) {
            assertThat(call(halb, "GET", "/api/v1/pools", null, null).statusCode()).isEqualTo(401);
            assertThat(call(halb, "GET", "/metrics", null, "wrong").statusCode()).isEqualTo(401);
            HttpResponse<String> denied = call(halb, "PUT", "/api/v1/pools/web/servers/b1/state", "{\"state\":\"drain\"}", "wrong");
            assertThat(denied.statusCode()).isEqualTo(401);
            assertThat(halb.endpoints("web").get(0).adminState().name()).isEqualTo("UP");
            assertThat(call(halb, "GET", "/api/v1/status", null, "s3cret").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aDrainThroughTheApiIsSeenByTheNextRequestsAndSurvivesARestart() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1"); TestBackend b2 = TestBackend.start("b2")) {
            try (Halb halb = start(b1, b2); RawClient client = RawClient.connect(halb.address("web"))) {
                HttpResponse<String> r = call(halb, "PUT", "/api/v1/pools/web/servers/b1/state", "{\"state\":\"drain\"}", "s3cret");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                int before = b1.requests();
                for (int i = 0; i < 20; i++) {
                    RawResponse answer = client.write(RawClient.get("app.test", "/")).readResponse();
                    assertThat(answer.bodyText()).startsWith("b2");
                }
                assertThat(b1.requests()).isEqualTo(before);
            }
            try (Halb again = start(b1, b2)) {
                HttpResponse<String> pools = call(again, "GET", "/api/v1/pools/web", null, "s3cret");
                assertThat(pools.body()).contains("\"name\":\"b1\"").contains("\"admin_state\":\"drain\"");
            }
        }
    }

    @Test
    void metricsCountAKnownNumberOfRequestsExactly() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1"); TestBackend b2 = TestBackend.start("b2");
             Halb halb = start(b1, b2); RawClient client = RawClient.connect(halb.address("web"))) {
            for (int i = 0; i < 37; i++) {
                assertThat(client.write(RawClient.get("app.test", "/n")).readResponse().status()).isEqualTo(200);
            }
            HttpResponse<String> m = call(halb, "GET", "/metrics", null, "s3cret");
            assertThat(m.statusCode()).isEqualTo(200);
            assertThat(m.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
            double total = 0;
            Matcher line = Pattern.compile("(?m)^halb_http_requests_total\\{[^}]*code=\"2xx\"[^}]*} ([0-9.eE+]+)$").matcher(m.body());
            while (line.find()) {
                total += Double.parseDouble(line.group(1));
            }
            assertThat(total).isEqualTo(37.0);
            assertThat(m.body()).contains("halb_server_up{pool=\"web\",server=\"b1\"} 1", "jvm_");
        }
    }

    @Test
    void aReloadThroughTheApiAppliesAValidFileAndRefusesAnInvalidOne() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1"); TestBackend b2 = TestBackend.start("b2");
             Halb halb = start(b1, b2)) {
            Path file = dir.resolve("halb.yaml");
            Files.writeString(file, Files.readString(file) + "timeouts: {server: 7s}\n");
            HttpResponse<String> ok = call(halb, "POST", "/api/v1/reload", "{}", "s3cret");
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(halb.config().timeouts().server()).isEqualTo(Duration.ofSeconds(7));
            Files.writeString(file, Files.readString(file).replace("7s", "seven"));
            HttpResponse<String> bad = call(halb, "POST", "/api/v1/reload", "{}", "s3cret");
            assertThat(bad.statusCode()).isEqualTo(422);
            assertThat(bad.body()).contains("halb.yaml:", "timeouts.server");
            assertThat(halb.config().timeouts().server()).isEqualTo(Duration.ofSeconds(7));
            HttpResponse<String> config = call(halb, "GET", "/api/v1/config", null, "s3cret");
            assertThat(config.body()).contains("\"token_file\":\"<redacted>\"").doesNotContain("s3cret");
        }
    }
}

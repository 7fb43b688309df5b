package io.halb.cluster;

import io.halb.testing.HalbFixture;
import io.halb.testing.HalbProcess;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * State shared between two real halb processes on loopback: a node that joins receives the
 * runtime changes, source-IP pins and down servers of the cluster, later changes reach it as they
 * happen, and after the active is killed the survivor keeps the client on the server it was
 * pinned to.
 */
class ReplicationIntegrationTest {

    private static final String VIP = "127.0.0.11";

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aJoiningNodeReceivesRuntimeChangesAndPinsAndKeepsThemAfterFailover(@TempDir Path dir) throws Exception {
        int vipPort = HalbProcess.freePort();
        int[] cluster = LoopbackFailoverIntegrationTest.clusterPorts();
        int admin1 = HalbProcess.freePort();
        int admin2 = HalbProcess.freePort();
        try (TestBackend s1 = TestBackend.start("s1"); TestBackend s2 = TestBackend.start("s2");
             TestBackend s3 = TestBackend.start("s3")) {
            int dead = HalbProcess.freePort();
            Map<String, Object> values = Map.of("vip", VIP, "port", vipPort, "s1", s1, "s2", s2, "s3", s3, "dead", dead);
            Path c1 = config(dir, "lb1", 100, cluster[0], cluster[1], admin1, values);
            Path c2 = config(dir, "lb2", 50, cluster[1], cluster[0], admin2, values);
            InetSocketAddress vip = new InetSocketAddress(VIP, vipPort);
            try (HalbProcess lb1 = HalbProcess.start(dir, "run", "-c", c1.toString())) {
                lb1.awaitListening(vip, Duration.ofSeconds(30));
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                        .untilAsserted(() -> assertThat(get(admin1, "/api/v1/pools/web/servers/dead")).contains("\"healthy\":false"));
                // Only s2 takes new clients: this client is pinned to it.
                put(admin1, "/api/v1/pools/web/servers/s1/state", "{\"state\":\"drain\"}");
                put(admin1, "/api/v1/pools/web/servers/s3/state", "{\"state\":\"drain\"}");
                assertThat(body(vip)).startsWith("s2 ");
                put(admin1, "/api/v1/pools/web/servers/s1/state", "{\"state\":\"ready\"}");
                put(admin1, "/api/v1/pools/web/servers/s3/weight", "{\"weight\":7}");

                try (HalbProcess lb2 = HalbProcess.start(dir, "run", "-c", c2.toString())) {
                    await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                            .untilAsserted(() -> {
                                assertThat(lb2.process().isAlive()).as(lb2.output()).isTrue();
                                assertThat(get(admin2, "/api/v1/cluster")).contains("\"role\":\"standby\"");
                                // State transfer on join: the weight and the remaining drain.
                                assertThat(get(admin2, "/api/v1/pools/web/servers/s3")).contains("\"weight\":7").contains("drain");
                            });
                    // Health verdicts: the joiner starts with the cluster's down servers down.
                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                            assertThat(lb2.stdout()).contains("servers down by the cluster's health checks: web/dead"));
                    // A change after the join travels as it happens.
                    put(admin1, "/api/v1/pools/web/servers/s3/state", "{\"state\":\"ready\"}");
                    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                            .untilAsserted(() -> assertThat(get(admin2, "/api/v1/pools/web/servers/s3")).doesNotContain("drain"));

                    lb1.process().destroyForcibly();
                    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
                            .until(() -> body(vip).startsWith("s"));
                    // Every server takes clients again, yet this client stays on s2: its pin came from lb1.
                    for (int i = 0; i < 4; i++) {
                        assertThat(body(vip)).as("request %d through lb2\n%s", i, lb2.output()).startsWith("s2 ");
                    }
                    assertThat(lb2.stdout()).contains("runtime changes from another node applied");
                }
            }
        }
    }

    private static Path config(Path dir, String node, int priority, int bind, int peer, int admin,
                               Map<String, Object> values) throws IOException {
        Path file = dir.resolve(node + ".yaml");
        Map<String, Object> all = new java.util.HashMap<>(values);
        all.putAll(Map.of("node", node, "priority", priority, "bind", bind, "peer", peer, "admin", admin));
        Files.writeString(file, HalbFixture.render("""
                event_loops: 1
                admin: {bind: "127.0.0.1:{{admin}}"}
                listeners:
                  - {name: web, bind: "{{vip}}:{{port}}", pool: web}
                pools:
                  - name: web
                    algorithm: round_robin
                    persistence: {type: source_ip, ttl: 10m}
                    health: {type: tcp, interval: 300ms, timeout: 200ms, fall: 1, rise: 2}
                    servers:
                      - {name: s1, address: "{{s1}}"}
                      - {name: s2, address: "{{s2}}"}
                      - {name: s3, address: "{{s3}}"}
                      - {name: dead, address: "127.0.0.1:{{dead}}"}
                timeouts: {shutdown: 2s}
                cluster:
                  node: {{node}}
                  bind: 127.0.0.1:{{bind}}
                  peers: [127.0.0.1:{{peer}}]
                  priority: {{priority}}
                  vips: [{address: {{vip}}, driver: none}]
                """, all));
        return file;
    }

    private static String get(int adminPort, String path) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void put(int adminPort, String path, String json) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .timeout(Duration.ofSeconds(5)).PUT(HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("PUT %s: %s", path, r.body()).isEqualTo(200);
    }

    /** One GET on a new connection; the body (after the head). */
    private static String body(InetSocketAddress address) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 1000);
            s.setSoTimeout(3000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            int i = all.indexOf("\r\n\r\n");
            return i < 0 ? "" : all.substring(i + 4);
        }
    }
}

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
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two real halb processes on loopback without root, {@code driver: none}: the listener on the VIP
 * address 127.0.0.10 is open only on the node that holds the VIP. The active node is SIGKILLed and
 * the standby must serve the listener; the gap is measured (target/ha-timing.txt) and asserted
 * generously, since the machine is shared.
 */
class LoopbackFailoverIntegrationTest {

    private static final String VIP = "127.0.0.10";
    private static final int RUNS = Integer.getInteger("halb.ha.runs", 2);

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void standbyServesTheVipListenerSoonAfterTheActiveIsKilled(@TempDir Path dir) throws Exception {
        int vipPort = HalbProcess.freePort();
        int[] cluster = clusterPorts();
        int admin1 = HalbProcess.freePort();
        int admin2 = HalbProcess.freePort();
        try (TestBackend backend = TestBackend.start("app")) {
            Path c1 = config(dir, "lb1", 100, cluster[0], cluster[1], admin1, vipPort, backend);
            Path c2 = config(dir, "lb2", 50, cluster[1], cluster[0], admin2, vipPort, backend);
            InetSocketAddress vip = new InetSocketAddress(VIP, vipPort);
            HalbProcess lb2 = HalbProcess.start(dir, "run", "-c", c2.toString());
            HalbProcess lb1 = null;
            List<Long> gaps = new ArrayList<>();
            try {
                for (int run = 0; run < RUNS; run++) {
                    lb1 = HalbProcess.start(dir, "run", "-c", c1.toString());
                    HalbProcess active = lb1;
                    // lb1 (priority 100) takes the VIP over from lb2 once both see each other.
                    await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                            .untilAsserted(() -> {
                                assertThat(active.process().isAlive()).as("lb1 alive\n%s", active.output()).isTrue();
                                assertThat(clusterJson(admin1)).contains("\"members\":[{").contains("\"role\":\"active\"");
                                assertThat(clusterJson(admin2)).contains("\"role\":\"standby\"");
                            });
                    assertThat(get(vip)).isEqualTo(200);

                    long killed = System.nanoTime();
                    active.process().destroyForcibly();
                    long gap = -1;
                    long deadline = killed + TimeUnit.SECONDS.toNanos(10);
                    while (System.nanoTime() < deadline) {
                        if (get(vip) == 200) {
                            gap = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
                            break;
                        }
                        Thread.sleep(5);
                    }
                    active.close();
                    assertThat(gap).as("the standby never served the VIP\n%s", lb2.output()).isNotNegative();
                    gaps.add(gap);
                    assertThat(clusterJson(admin2)).contains("\"role\":\"active\"");
                }
                HaTiming.record("loopback driver none, SIGKILL of the active, first 200 from the standby", gaps);
                assertThat(gaps).allSatisfy(g -> assertThat(g).isLessThan(3000));
                assertThat(lb2.stdout()).contains("cluster: took VIP 127.0.0.10");
            } finally {
                if (lb1 != null) {
                    lb1.close();
                }
                lb2.close();
            }
        }
    }

    private static Path config(Path dir, String node, int priority, int bind, int peer, int admin, int vipPort,
                               TestBackend backend) throws IOException {
        Path file = dir.resolve(node + ".yaml");
        Files.writeString(file, HalbFixture.render("""
                event_loops: 1
                admin: {bind: "127.0.0.1:{{admin}}"}
                listeners:
                  - {name: web, bind: "{{vip}}:{{port}}", pool: web}
                pools:
                  - name: web
                    servers:
                      - {name: app, address: "{{app}}"}
                timeouts: {shutdown: 2s}
                cluster:
                  node: {{node}}
                  bind: 127.0.0.1:{{bind}}
                  peers: [127.0.0.1:{{peer}}]
                  priority: {{priority}}
                  vips: [{address: {{vip}}, driver: none}]
                """, Map.of("admin", admin, "vip", VIP, "port", vipPort, "app", backend, "node", node,
                "bind", bind, "peer", peer, "priority", priority)));
        return file;
    }

    /** Two cluster ports whose FD_SOCK2 ports (+100) are free and do not collide. */
    static int[] clusterPorts() throws IOException {
        while (true) {
            int a = HalbProcess.freePort();
            int b = HalbProcess.freePort();
            if (Math.abs(a - b) != 100 && a != b && free(a + 100) && free(b + 100)) {
                return new int[] {a, b};
            }
        }
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String clusterJson(int adminPort) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/api/v1/cluster"))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    /** One GET on a new connection: its status, or -1 when the connection failed. */
    static int get(InetSocketAddress address) {
        try (Socket s = new Socket()) {
            s.connect(address, 300);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            return head.startsWith("HTTP/1.1 ") ? Integer.parseInt(head.substring(9, 12)) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}

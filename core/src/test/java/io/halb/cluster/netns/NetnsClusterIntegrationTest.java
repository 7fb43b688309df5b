package io.halb.cluster.netns;

import io.halb.cli.Main;
import io.halb.cluster.HaTimingAccess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * halb nodes as real processes in network namespaces that this test creates (root; CI fails
 * instead of skipping without it), on a bridge, addresses from 198.18.0.0/24 only, with
 * {@code driver: linux}: the VIP is added to the holder's eth0 and announced with gratuitous ARP.
 * A client process sends requests to the VIP continuously while nodes are killed, cut off and
 * stopped; takeover gaps are measured into target/ha-timing.txt.
 */
class NetnsClusterIntegrationTest {

    private static final String VIP = "198.18.0.100";
    private static final List<String> VIPS = List.of("198.18.0.100", "198.18.0.101", "198.18.0.102");
    private static final Map<String, String> HOSTS = new LinkedHashMap<>();
    private static final int RUNS = Integer.getInteger("halb.ha.runs", 1);
    /** A server in the client namespace that the two-node cluster's track check must reach. */
    private static final String GATEWAY = "198.18.0.2:9999";
    private static final int BACKENDS = 3;

    static {
        HOSTS.put("c", "198.18.0.2");
        HOSTS.put("n1", "198.18.0.11");
        HOSTS.put("n2", "198.18.0.12");
        HOSTS.put("n3", "198.18.0.13");
        HOSTS.put("b1", "198.18.0.21");
        HOSTS.put("b2", "198.18.0.22");
    }

    private static Path dir;
    private static NetnsLab lab;

    @BeforeAll
    static void createLab() throws Exception {
        NetnsLab.requireLab();
        dir = Files.createTempDirectory("halb-netns");
        lab = NetnsLab.create(dir, HOSTS);
        LabProcess b1 = lab.java("b1", "b1", NetnsBackend.class.getName(), HOSTS.get("b1"), "8080", "b1");
        LabProcess b2 = lab.java("b2", "b2", NetnsBackend.class.getName(), HOSTS.get("b2"), "8080", "b2");
        lab.java("c", "gateway", NetnsBackend.class.getName(), HOSTS.get("c"), "9999", "gateway");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    assertThat(b1.alive()).as(b1.output()).isTrue();
                    assertThat(lab.curl("c", "http://198.18.0.21:8080/")).isEqualTo("b1");
                    assertThat(lab.curl("c", "http://198.18.0.22:8080/")).isEqualTo("b2");
                    assertThat(lab.curl("n1", "http://" + GATEWAY + "/")).isEqualTo("gateway");
                });
    }

    @AfterEach
    void stopNodes() {
        if (lab != null) {
            lab.killAllBut(BACKENDS);
        }
    }

    @AfterAll
    static void destroyLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void activeStandbyFailsOverOnKillAndCutLinkAndHandsOverOnSigterm() throws Exception {
        // Two nodes: no quorum, but both must reach the "gateway" (a server in the client namespace) to hold the VIP.
        Path c1 = config("n1", 100, "active_standby", List.of("n2"), List.of(VIP), Map.of(), GATEWAY);
        Path c2 = config("n2", 50, "active_standby", List.of("n1"), List.of(VIP), Map.of(), GATEWAY);
        // One after the other, so that n2 joins n1's group rather than both starting alone and merging.
        LabProcess n1 = halb("n1", c1);
        awaitHolders(Map.of(VIP, "n1"), List.of("n1"), 1, n1);
        LabProcess n2 = halb("n2", c2);
        awaitHolders(Map.of(VIP, "n1"), List.of("n1", "n2"), 2, n1, n2);
        LabProcess client = lab.java("c", "client", NetnsClient.class.getName(), VIP, "80", "2");
        await().atMost(Duration.ofSeconds(20)).until(() -> new ClientLog(client.lines()).successesAfter(0) > 20);

        // SIGKILL of the active node.
        List<Long> killGaps = new ArrayList<>();
        List<Long> takes = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            long t = System.currentTimeMillis();
            n1.kill();
            awaitHolders(Map.of(VIP, "n2"), List.of("n1", "n2"), -1, n2);
            killGaps.add(awaitGap(client, t));
            takes.add(tookAfter(n2, t));
            n1 = halb("n1", c1);
            awaitHolders(Map.of(VIP, "n1"), List.of("n1", "n2"), 2, n1, n2);
            // Steady state before the next kill: the client is served through the returned n1.
            long back = System.currentTimeMillis();
            await().atMost(Duration.ofSeconds(10)).until(() -> new ClientLog(client.lines()).successesAfter(back) > 40);
        }
        HaTimingAccess.record("netns driver linux, SIGKILL of the active, first answer from the survivor", killGaps);
        HaTimingAccess.record("netns driver linux, SIGKILL of the active, survivor logged 'took VIP'", takes);

        // A cut link: the active's port leaves the bridge, nothing tells the survivor.
        List<Long> cutGaps = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            lab.cut("n1");
            long t = System.currentTimeMillis();
            try {
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .until(() -> lab.addresses("n2").contains(VIP));
                cutGaps.add(awaitGap(client, t));
                // Cut off, n1 no longer reaches the gateway (its track check): it gives the VIP up, no split brain.
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .until(() -> !lab.addresses("n1").contains(VIP));
                assertThat(n1.output()).contains("does not answer; this node gives up its VIPs");
            } finally {
                lab.heal("n1");
            }
            // The partition healed: after the merge exactly one node holds the VIP and the client reaches it.
            awaitHolders(Map.of(VIP, "n1"), List.of("n1", "n2"), 2, n1, n2);
        }
        HaTimingAccess.record("netns driver linux, cut link of the active, first answer from the survivor", cutGaps);

        long healed = System.currentTimeMillis();
        await().atMost(Duration.ofSeconds(10)).until(() -> new ClientLog(client.lines()).successesAfter(healed) > 20);

        // SIGTERM of the active: it hands the VIP over first; no request fails (see below for the one that may).
        long term = System.currentTimeMillis();
        n1.sigterm();
        assertThat(n1.awaitExit(20)).as(n1.output()).isZero();
        awaitHolders(Map.of(VIP, "n2"), List.of("n1", "n2"), -1, n2);
        long exited = System.currentTimeMillis();
        await().atMost(Duration.ofSeconds(10)).until(() -> new ClientLog(client.lines()).successesAfter(exited + 500) > 20);
        ClientLog log = new ClientLog(client.lines());
        if (!log.failuresBetween(term, exited + 500).isEmpty()) {
            // Kept for a look at the timeline: every request of the client, both nodes' logs.
            Files.write(Path.of("target", "netns-client-" + term + ".log"), client.lines());
            Files.writeString(Path.of("target", "netns-nodes-" + term + ".log"), n1.output() + n2.output());
        }
        List<ClientLog.Request> failed = log.failuresBetween(term, exited + 500);
        HaTimingAccess.note("netns driver linux, SIGTERM of the active: " + failed.size() + " failed of "
                + log.requestsBetween(term, exited + 500) + " requests " + failed
                + " (status -3: closed or reset before any answer byte, -4: after the head)");
        // Zero is the rule, and what nearly every run shows (1 run in 6 to 12 lost one request). The
        // one that can fail is a response in flight at the moment of the ARP change that leaves the
        // old node in two segments: the client's ACK of the first already reaches the successor, which
        // knows nothing of the connection and resets it. No layer-2 scheme closes that window
        // without a packet filter; docs/ha.md says so.
        assertThat(failed)
                .as("requests failed during the planned switchover (%d requests)\n%s\n%s",
                        log.requestsBetween(term, exited + 500), n1.output(), n2.output())
                .hasSizeLessThanOrEqualTo(1);
        assertThat(n1.output()).contains("cluster: released VIP " + VIP).contains("leaving the cluster");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void activeActiveSpreadsVipsMovesThemAndKeepsOneHolderEach() throws Exception {
        Map<String, String> prefer = Map.of(VIPS.get(0), "n1", VIPS.get(1), "n2", VIPS.get(2), "n3");
        List<String> nodes = List.of("n1", "n2", "n3");
        Path c1 = config("n1", 100, "active_active", List.of("n2", "n3"), VIPS, prefer, null);
        Path c2 = config("n2", 100, "active_active", List.of("n1", "n3"), VIPS, prefer, null);
        Path c3 = config("n3", 100, "active_active", List.of("n1", "n2"), VIPS, prefer, null);
        LabProcess n1 = halb("n1", c1);
        LabProcess n2 = halb("n2", c2);
        LabProcess n3 = halb("n3", c3);
        awaitHolders(prefer, nodes, 3, n1, n2, n3);

        // n3 dies: its VIP moves to one survivor, the others stay where they are.
        n3.kill();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            assertThat(holders(VIPS.get(2), nodes)).hasSize(1).doesNotContain("n3");
            assertThat(holders(VIPS.get(0), nodes)).containsExactly("n1");
            assertThat(holders(VIPS.get(1), nodes)).containsExactly("n2");
        });
        assertThat(lab.curl("c", "http://" + VIPS.get(2) + "/")).isIn("b1", "b2");

        // It returns: every VIP has exactly one holder again, its own.
        n3 = halb("n3", c3);
        awaitHolders(prefer, nodes, 3, n1, n2, n3);

        // n3 is cut off: alone it is no majority of three and gives its VIP up; the majority takes it.
        lab.cut("n3");
        try {
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                assertThat(lab.addresses("n3")).doesNotContain(VIPS.get(2));
                assertThat(holders(VIPS.get(2), List.of("n1", "n2"))).hasSize(1);
            });
        } finally {
            lab.heal("n3");
        }
        // Healed: after the merge each VIP has exactly one holder.
        awaitHolders(prefer, nodes, 3, n1, n2, n3);
        for (String vip : VIPS) {
            assertThat(lab.curl("c", "http://" + vip + "/")).isIn("b1", "b2");
        }
    }

    private LabProcess halb(String node, Path config) throws IOException {
        return lab.java(node, node, Main.class.getName(), "run", "-c", config.toString());
    }

    /** Waits until each VIP is on exactly the given node (and no other), and each node sees {@code members}. */
    private void awaitHolders(Map<String, String> expected, List<String> nodes, int members, LabProcess... running) {
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            for (LabProcess p : running) {
                assertThat(p.alive()).as("exited\n%s", p.output()).isTrue();
            }
            for (Map.Entry<String, String> e : expected.entrySet()) {
                assertThat(holders(e.getKey(), nodes)).as("holders of %s", e.getKey()).containsExactly(e.getValue());
            }
            if (members > 0) {
                for (String n : nodes.subList(0, members)) {
                    String json = lab.curl(n, "http://127.0.0.1:9090/api/v1/cluster");
                    assertThat(json.split("\"self\"", -1)).as("members seen by %s: %s", n, json).hasSize(members + 1);
                }
            }
        });
    }

    private List<String> holders(String vip, List<String> nodes) {
        List<String> out = new ArrayList<>();
        for (String n : nodes) {
            if (lab.addresses(n).contains(vip)) {
                out.add(n);
            }
        }
        return out;
    }

    /** Milliseconds from {@code t} to the last "took VIP" line of {@code node}'s log (same clock, local time). */
    private static long tookAfter(LabProcess node, long t) {
        String line = null;
        for (String l : node.lines()) {
            if (l.contains("cluster: took VIP")) {
                line = l;
            }
        }
        if (line == null) {
            return -1;
        }
        java.time.LocalTime took = java.time.LocalTime.parse(line.substring(0, 12));
        java.time.LocalTime at = java.time.Instant.ofEpochMilli(t).atZone(java.time.ZoneId.systemDefault()).toLocalTime();
        return Duration.between(at, took).toMillis();
    }

    private static long awaitGap(LabProcess client, long t) {
        long[] gap = {-1};
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(() -> {
            gap[0] = new ClientLog(client.lines()).gapAfter(t);
            return gap[0] >= 0;
        });
        return gap[0];
    }

    private static Path config(String node, int priority, String mode, List<String> peers, List<String> vips,
                               Map<String, String> prefer, String track) throws IOException {
        StringBuilder y = new StringBuilder();
        y.append("event_loops: 1\n");
        y.append("admin: {bind: \"127.0.0.1:9090\"}\n");
        y.append("listeners:\n");
        for (int i = 0; i < vips.size(); i++) {
            y.append("  - {name: web").append(i).append(", bind: \"").append(vips.get(i)).append(":80\", pool: web}\n");
        }
        y.append("pools:\n  - name: web\n    servers:\n");
        y.append("      - {name: b1, address: \"198.18.0.21:8080\"}\n");
        y.append("      - {name: b2, address: \"198.18.0.22:8080\"}\n");
        y.append("timeouts: {shutdown: 3s}\n");
        y.append("cluster:\n");
        y.append("  node: ").append(node).append('\n');
        y.append("  bind: ").append(HOSTS.get(node)).append(":7800\n");
        y.append("  peers: [").append(String.join(", ", peers.stream().map(p -> HOSTS.get(p) + ":7800").toList())).append("]\n");
        y.append("  mode: ").append(mode).append('\n');
        y.append("  priority: ").append(priority).append('\n');
        if (track != null) {
            y.append("  track: [\"").append(track).append("\"]\n");
        }
        y.append("  vips:\n");
        for (String v : vips) {
            y.append("    - {address: ").append(v).append("/24, interface: eth0, driver: linux");
            if (prefer.containsKey(v)) {
                y.append(", prefer: ").append(prefer.get(v));
            }
            y.append("}\n");
        }
        Path file = dir.resolve(node + "-" + mode + ".yaml");
        Files.writeString(file, y.toString());
        return file;
    }
}

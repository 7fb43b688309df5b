package io.halb.health;

import io.halb.agent.AgentOptions;
import io.halb.agent.ResourceAgent;
import io.halb.agent.SettableMetrics;
import io.halb.agent.WeightFormula;
import io.halb.balance.Endpoint;
import io.halb.balance.ServerState;
import io.halb.demo.DemoBackend;
import io.halb.proxy.Transport;
import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * halb polls a resource agent on each server's host and spreads requests by the weights they
 * report. HAProxy's agent port is one port per pool, so each server and its agent get their own
 * loopback address, 127.0.0.2 and 127.0.0.3, with the agents on the same port.
 */
class AgentBalancingIntegrationTest {

    private static final WeightFormula CPU_AND_MEMORY = new WeightFormula(1, 1, 0, 1000, false);

    @TempDir
    Path dir;

    private Path stateFileB;
    private final SettableMetrics metricsA = new SettableMetrics(0.1, 0.1, 0);
    private final SettableMetrics metricsB = SettableMetrics.idle();
    private EventLoopGroup backendLoops;
    private DemoBackend backendA;
    private DemoBackend backendB;
    private ResourceAgent agentA;
    private ResourceAgent agentB;
    private HalbFixture halb;

    @BeforeEach
    void start() throws Exception {
        stateFileB = dir.resolve("b-state");
        Transport transport = Transport.best();
        backendLoops = transport.newGroup(1, "agent-e2e-backend");
        backendA = DemoBackend.start(backendLoops, transport.serverChannel(), "a", "127.0.0.2", 0, Duration.ZERO);
        backendB = DemoBackend.start(backendLoops, transport.serverChannel(), "b", "127.0.0.3", 0, Duration.ZERO);
        startAgents();
        int agentPort = agentA.address().getPort();
        halb = HalbFixture.start("""
                event_loops: 2
                admin: {bind: "127.0.0.1:0"}
                listeners:
                  - {name: web, bind: "127.0.0.1:0", pool: web}
                pools:
                  - name: web
                    algorithm: weighted_round_robin
                    agent: {port: %d, interval: 200ms}
                    servers:
                      - {name: a, address: "127.0.0.2:%d", weight: 100}
                      - {name: b, address: "127.0.0.3:%d", weight: 100}
                """.formatted(agentPort, backendA.address().getPort(), backendB.address().getPort()));
    }

    /** Two agents on one port, one per loopback address; retries if another test took the port. */
    private void startAgents() throws InterruptedException {
        for (int attempt = 0; ; attempt++) {
            agentA = ResourceAgent.start(options("127.0.0.2", 0, Optional.empty()), metricsA);
            try {
                agentB = ResourceAgent.start(options("127.0.0.3", agentA.address().getPort(), Optional.of(stateFileB)),
                        metricsB);
                return;
            } catch (Exception e) {
                agentA.close();
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private static AgentOptions options(String host, int port, Optional<Path> stateFile) {
        return new AgentOptions(host, port, CPU_AND_MEMORY, Duration.ofMillis(100), stateFile);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {halb, agentA, agentB, backendA, backendB}) {
            if (c != null) {
                c.close();
            }
        }
        if (backendLoops != null) {
            backendLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private Endpoint endpoint(String name) {
        return halb.halb().endpoints("web").stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void sendsMostRequestsToTheServerWhoseAgentReportsAnIdleMachine() throws Exception {
        await().untilAsserted(() -> {
            assertThat(endpoint("a").weight()).as("busy machine: 100 x 10%").isEqualTo(10);
            assertThat(endpoint("b").weight()).as("idle machine: 100 x 100%").isEqualTo(100);
        });

        Map<String, Integer> counts = send(500);
        assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(500);
        // Smooth weighted round robin gives exactly 10:100 over whole rounds: about 45 and 455.
        assertThat(counts.getOrDefault("b", 0)).as("requests per server %s", counts).isGreaterThan(430);
        assertThat(counts.getOrDefault("a", 0)).as("a busy server still gets a little: %s", counts).isPositive();

        // The machines swap: the weights follow within a few polls, and so does the traffic.
        metricsA.set(1, 1, 0);
        metricsB.set(0.1, 0.1, 0);
        await().untilAsserted(() -> {
            assertThat(endpoint("a").weight()).isEqualTo(100);
            assertThat(endpoint("b").weight()).isEqualTo(10);
        });
        Map<String, Integer> swapped = send(220);
        assertThat(swapped.getOrDefault("a", 0)).as("requests per server %s", swapped).isGreaterThan(190);
    }

    @Test
    void keepsTheLastWeightWhenAnAgentStopsAnswering() throws Exception {
        await().untilAsserted(() -> assertThat(endpoint("a").weight()).isEqualTo(10));
        agentA.close();
        // Let several polls fail: an unreachable agent changes nothing, as in HAProxy.
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3))
                .untilAsserted(() -> assertThat(endpoint("a").weight()).isEqualTo(10));
        assertThat(endpoint("a").available()).isTrue();
        assertThat(send(110).getOrDefault("a", 0)).isPositive();
    }

    @Test
    void drainsAServerWhoseOperatorWroteDrainInTheStateFile() throws Exception {
        await().untilAsserted(() -> assertThat(endpoint("b").weight()).isEqualTo(100));
        Files.writeString(stateFileB, "drain\n");
        await().untilAsserted(() -> assertThat(endpoint("b").state()).isEqualTo(ServerState.DRAIN));
        assertThat(send(50)).containsOnlyKeys("a");

        Files.delete(stateFileB);
        await().untilAsserted(() -> assertThat(endpoint("b").state()).isEqualTo(ServerState.UP));
        assertThat(send(50)).containsKey("b");
    }

    /** Sends {@code n} sequential requests on one connection; counts the answers per server. */
    private Map<String, Integer> send(int n) throws Exception {
        Map<String, Integer> counts = new TreeMap<>();
        try (RawClient client = halb.connect("web")) {
            for (int i = 0; i < n; i++) {
                RawResponse r = client.write(RawClient.get("app.test", "/agent/" + i)).readResponse();
                assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
                counts.merge(r.bodyText().trim().replace("hello from ", ""), 1, Integer::sum);
            }
        }
        return counts;
    }
}

package io.halb.health;

import io.halb.agent.AgentOptions;
import io.halb.agent.ResourceAgent;
import io.halb.agent.SettableMetrics;
import io.halb.agent.WeightFormula;
import io.halb.proxy.Transport;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class AgentCheckIntegrationTest {

    private static final Duration INTERVAL = Duration.ofMillis(200);

    private final Transport transport = Transport.best();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ConcurrentLinkedQueue<AgentReport> reports = new ConcurrentLinkedQueue<>();
    private EventLoopGroup group;

    @BeforeEach
    void startLoops() {
        group = transport.newGroup(2, "agent-check-test");
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closeables.add(c);
        return c;
    }

    private ResourceAgent agent(SettableMetrics metrics) throws InterruptedException {
        WeightFormula cpuAndMemory = new WeightFormula(1, 1, 0, 1000, false);
        return closeLater(ResourceAgent.start(
                new AgentOptions("127.0.0.1", 0, cpuAndMemory, Duration.ofMillis(100), Optional.empty()), metrics));
    }

    private static AgentTarget target(String server, InetSocketAddress address) {
        return new AgentTarget("web", server, address);
    }

    private AgentCheck check(Duration interval, AgentTarget... targets) {
        return closeLater(AgentCheck.start(group, transport, List.of(targets), interval, reports::add));
    }

    private List<AgentReport> reportsOf(String server) {
        return reports.stream().filter(r -> r.target().server().equals(server)).collect(Collectors.toList());
    }

    private Optional<AgentReport> last(String server) {
        List<AgentReport> of = reportsOf(server);
        return of.isEmpty() ? Optional.empty() : Optional.of(of.get(of.size() - 1));
    }

    @Test
    void deliversTheReportsOfARealAgentAndFollowsItsMetrics() throws Exception {
        SettableMetrics metrics = SettableMetrics.idle();
        ResourceAgent agent = agent(metrics);
        check(INTERVAL, target("web1", agent.address()));

        await().untilAsserted(() -> assertThat(last("web1")).hasValueSatisfying(r -> {
            assertThat(r.reachable()).isTrue();
            assertThat(r.line()).isEqualTo("up 100%");
            assertThat(r.state()).hasValue(AgentState.UP);
            assertThat(r.weightPercent()).hasValue(100);
        }));

        metrics.set(0.1, 0.1, 0);
        long changed = System.nanoTime();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> last("web1").map(r -> r.weightPercent().orElse(-1)).orElse(-1) == 10);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - changed);
        // One interval (plus 10% jitter) and an exchange; generous for a loaded machine.
        assertThat(tookMillis).isLessThan(3 * INTERVAL.toMillis() + 500);
    }

    @Test
    void pollsEveryTargetRepeatedlyAtAboutTheInterval() throws Exception {
        ResourceAgent a = agent(SettableMetrics.idle());
        ResourceAgent b = agent(new SettableMetrics(0.5, 0.5, 0));
        long start = System.nanoTime();
        check(INTERVAL, target("a", a.address()), target("b", b.address()));
        await().until(() -> reportsOf("a").size() >= 6 && reportsOf("b").size() >= 6);
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(reportsOf("a")).allSatisfy(r -> assertThat(r.weightPercent()).hasValue(100));
        assertThat(reportsOf("b")).allSatisfy(r -> assertThat(r.weightPercent()).hasValue(50));
        // Six polls take at least five intervals less jitter; not a poll per event-loop tick.
        assertThat(elapsed).isGreaterThanOrEqualTo((long) (5 * 0.9 * INTERVAL.toMillis()));
    }

    @Test
    void reportsARefusedConnectionAsUnreachable() throws Exception {
        InetSocketAddress nobody;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nobody = (InetSocketAddress) s.getLocalSocketAddress();
        }
        check(INTERVAL, target("gone", nobody));
        await().untilAsserted(() -> assertThat(last("gone")).hasValueSatisfying(r -> {
            assertThat(r.unreachable()).isTrue();
            assertThat(r.failure()).hasValue("connection refused");
            assertThat(r.hasEffect()).isFalse();
            assertThat(r.effectiveWeight(100)).isEmpty();
        }));
    }

    @Test
    void reportsASilentAgentAsUnreachableAfterTheTimeout() throws Exception {
        FakeAgent silent = closeLater(FakeAgent.silent());
        check(INTERVAL, target("mute", silent.address()));
        await().untilAsserted(() -> assertThat(last("mute")).hasValueSatisfying(r -> {
            assertThat(r.unreachable()).isTrue();
            assertThat(r.failure()).hasValue("no reply within 200 ms");
        }));
        // Still polling after a timeout.
        await().until(() -> silent.connections() >= 3);
    }

    @Test
    void reportsGarbageAsReachableWithoutEffect() throws Exception {
        FakeAgent babbler = closeLater(FakeAgent.replying("hello world\n"));
        check(INTERVAL, target("babbler", babbler.address()));
        await().untilAsserted(() -> assertThat(last("babbler")).hasValueSatisfying(r -> {
            assertThat(r.reachable()).isTrue();
            assertThat(r.hasEffect()).isFalse();
            assertThat(r.errors()).containsExactly("'hello': unknown word", "'world': unknown word");
        }));
    }

    @Test
    void takesALineThatTheAgentEndsByClosing() throws Exception {
        FakeAgent terse = closeLater(FakeAgent.replying("drain,30%"));
        check(INTERVAL, target("terse", terse.address()));
        await().untilAsserted(() -> assertThat(last("terse")).hasValueSatisfying(r -> {
            assertThat(r.state()).hasValue(AgentState.DRAIN);
            assertThat(r.weightPercent()).hasValue(30);
            assertThat(r.errors()).isEmpty();
        }));
    }

    @Test
    void readsOnlyTheFirstLineOfAChattyAgent() throws Exception {
        FakeAgent chatty = closeLater(FakeAgent.replying("maint 0% #backup running\r\nup 100%\n" + "x".repeat(100_000)));
        check(INTERVAL, target("chatty", chatty.address()));
        await().untilAsserted(() -> assertThat(last("chatty")).hasValueSatisfying(r -> {
            assertThat(r.state()).hasValue(AgentState.MAINT);
            assertThat(r.weightPercent()).hasValue(0);
            assertThat(r.description()).isEqualTo("backup running");
        }));
    }

    @Test
    void reportsAnAgentThatClosesWithoutAReply() throws Exception {
        FakeAgent empty = closeLater(FakeAgent.replying(""));
        check(INTERVAL, target("empty", empty.address()));
        await().untilAsserted(() -> assertThat(last("empty")).hasValueSatisfying(r -> {
            assertThat(r.reachable()).isTrue();
            assertThat(r.hasEffect()).isFalse();
            assertThat(r.errors()).contains("no reply: the agent closed the connection");
        }));
    }

    @Test
    void reportsALineThatNeverEnds() throws Exception {
        FakeAgent endless = closeLater(FakeAgent.replying("up " + "9".repeat(5000)));
        check(INTERVAL, target("endless", endless.address()));
        await().untilAsserted(() -> assertThat(last("endless")).hasValueSatisfying(r -> {
            assertThat(r.state()).hasValue(AgentState.UP);
            assertThat(r.errors()).contains("line longer than " + AgentReport.MAX_LINE_LENGTH + " bytes");
        }));
    }

    @Test
    void deliversNothingAfterClose() throws Exception {
        ResourceAgent agent = agent(SettableMetrics.idle());
        AgentCheck check = check(INTERVAL, target("web1", agent.address()));
        await().until(() -> reportsOf("web1").size() >= 2);
        check.close();
        int afterClose = reportsOf("web1").size();
        await().during(Duration.ofMillis(3 * INTERVAL.toMillis())).atMost(Duration.ofSeconds(2))
                .until(() -> reportsOf("web1").size() == afterClose);
    }

    @Test
    void survivesACallbackThatThrows() throws Exception {
        ResourceAgent agent = agent(SettableMetrics.idle());
        List<AgentReport> seen = new CopyOnWriteArrayList<>();
        closeLater(AgentCheck.start(group, transport, List.of(target("web1", agent.address())), INTERVAL, r -> {
            seen.add(r);
            throw new IllegalStateException("a buggy callback");
        }));
        await().until(() -> seen.size() >= 3);
    }

    @Test
    void rejectsATooShortInterval() {
        assertThatThrownBy(() ->
                        AgentCheck.start(group, transport, List.of(), Duration.ofMillis(50), r -> { }))
                .hasMessage("interval: PT0.05S (expected: >= 100ms)");
    }

    @Test
    void startsWithNoTargets() {
        AgentCheck check = check(INTERVAL);
        assertThat(check.targets()).isEmpty();
        assertThat(check.interval()).isEqualTo(INTERVAL);
    }
}

package io.halb.health;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.halb.config.HealthConfig;
import io.halb.config.HealthConfig.Method;
import io.halb.health.HealthCheckIntegrationTest.CheckedServer;
import io.halb.proxy.Transport;
import io.halb.testing.TestBackend;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/** The rise/fall state machine, timing and reporting of {@link HealthChecker}, against real servers. */
class HealthCheckerIntegrationTest {

    private static final Duration INTERVAL = Duration.ofMillis(50);

    private final Transport transport = Transport.best();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<HealthTransition> transitions = new CopyOnWriteArrayList<>();
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger checkerLog = (Logger) LoggerFactory.getLogger(HealthChecker.class);
    private EventLoopGroup group;

    @BeforeEach
    void start() {
        group = transport.newGroup(2, "health-checker-test");
        logged.start();
        checkerLog.addAppender(logged);
    }

    @AfterEach
    void stopAll() throws Exception {
        checkerLog.detachAppender(logged);
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closeables.add(c);
        return c;
    }

    private static HealthConfig tcp(Duration interval, int rise, int fall) {
        return new HealthConfig(HealthConfig.Type.TCP, "/", new HealthConfig.StatusRange(200, 399),
                interval, Duration.ofMillis(200), rise, fall);
    }

    private static HealthTarget target(String server, InetSocketAddress address) {
        return new HealthTarget("web", server, address);
    }

    private HealthChecker checker(HealthConfig config, HealthTarget... targets) {
        return closeLater(HealthChecker.start(group, transport, List.of(targets), config, transitions::add));
    }

    private List<HealthTransition> transitionsOf(String server) {
        return transitions.stream().filter(t -> t.server().equals(server)).collect(Collectors.toList());
    }

    private List<String> loggedAt(Level level) {
        return logged.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage)
                .collect(Collectors.toList());
    }

    @Test
    void aTcpTargetGoesDownAfterFallFailuresAndUpAfterRiseSuccesses() throws Exception {
        CheckedServer server = CheckedServer.start(0);
        int port = server.address().getPort();
        HealthChecker checker = checker(tcp(INTERVAL, 2, 3), target("web1", server.address()));

        await().until(() -> checker.status("web", "web1").consecutiveSuccesses() >= 3);
        assertThat(transitions).as("a healthy server starts UP and stays UP silently").isEmpty();
        assertThat(checker.status("web", "web1").up()).isTrue();

        server.close();
        await().until(() -> !transitions.isEmpty());
        assertThat(transitions).containsExactly(new HealthTransition("web", "web1", false, "connection refused", 3));
        HealthStatus down = checker.status("web", "web1");
        assertThat(down.up()).isFalse();
        assertThat(down.consecutiveFailures()).isGreaterThanOrEqualTo(3);
        assertThat(down.consecutiveSuccesses()).isZero();
        assertThat(down.lastResult()).contains(HealthCheck.Result.failed("connection refused"));

        await().until(() -> checker.status("web", "web1").consecutiveFailures() >= 6);
        assertThat(transitions).as("more failures are no new transition").hasSize(1);

        CheckedServer back = closeLater(CheckedServer.start(port));
        await().until(() -> transitions.size() == 2);
        assertThat(transitions.get(1)).isEqualTo(new HealthTransition("web", "web1", true, "connected", 2));
        assertThat(checker.status("web", "web1").up()).isTrue();

        await().until(() -> checker.status("web", "web1").consecutiveSuccesses() >= 5);
        assertThat(transitions).hasSize(2);
        assertThat(loggedAt(Level.WARN)).containsExactly("server web/web1 is DOWN after 3 failed checks: connection refused");
        assertThat(loggedAt(Level.INFO)).containsExactly("server web/web1 is UP after 2 successful checks: connected");
    }

    @Test
    void anHttpTargetGoesDownOnAWrongStatusAndNamesItThenUpWhenItRecovers() throws Exception {
        CheckedServer server = closeLater(CheckedServer.start(0));
        HealthConfig config = HealthCheckIntegrationTest.http(Method.GET, "/healthz", Optional.empty(),
                HealthConfig.DEFAULT_EXPECT_STATUSES, Optional.of("ok"), Duration.ofMillis(200));
        HealthChecker checker = checker(config, target("web1", server.address()));
        server.answer(200, "ok");
        await().until(() -> checker.status("web", "web1").consecutiveSuccesses() >= 2);

        server.answer(503, "maintenance");
        await().until(() -> transitions.size() == 1);
        assertThat(transitions.get(0)).isEqualTo(new HealthTransition("web", "web1", false, "status 503", 3));

        server.answer(200, "not yet");
        await().until(() -> checker.status("web", "web1").lastResult()
                .equals(Optional.of(HealthCheck.Result.failed("body lacks 'ok'"))));
        assertThat(transitions).hasSize(1);

        server.answer(200, "ok");
        await().until(() -> transitions.size() == 2);
        assertThat(transitions.get(1)).isEqualTo(new HealthTransition("web", "web1", true, "status 200", 2));
        assertThat(loggedAt(Level.WARN)).containsExactly("server web/web1 is DOWN after 3 failed checks: status 503");
    }

    @Test
    void aStalledServerIsDownAfterFallTimeouts() throws Exception {
        TestBackend stalled = closeLater(TestBackend.builder("stall").mode(TestBackend.Mode.STALL).start());
        HealthConfig config = HealthCheckIntegrationTest.http(Method.GET, "/", Optional.empty(),
                HealthConfig.DEFAULT_EXPECT_STATUSES, Optional.empty(), Duration.ofMillis(100));
        long start = System.nanoTime();
        HealthChecker checker = checker(new HealthConfig(config.type(), config.method(), config.path(), config.host(),
                config.expectStatuses(), config.expectBody(), Duration.ofMillis(100), Duration.ofMillis(100), 2, 2),
                target("web1", stalled.address()));

        await().until(() -> transitions.size() == 1);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(transitions.get(0)).isEqualTo(new HealthTransition("web", "web1", false, "timeout after 100ms", 2));
        // First check within 100 ms, each timing out after 100 ms, the next 100 ms (+15%) after the
        // start of the previous: about 315 ms at most, and generous for a loaded machine.
        assertThat(tookMillis).isBetween(200L, 1500L);
        assertThat(checker.status("web", "web1").lastDuration().toMillis()).isBetween(90L, 600L);
        await().until(() -> stalled.openConnections() <= 1);
    }

    @Test
    void eachTargetIsJudgedOnItsOwn() throws Exception {
        CheckedServer healthy = closeLater(CheckedServer.start(0));
        InetSocketAddress nobody = HealthCheckIntegrationTest.unusedPort();
        HealthChecker checker = checker(tcp(INTERVAL, 2, 2), target("web1", healthy.address()),
                target("web2", nobody));

        await().until(() -> transitionsOf("web2").size() == 1);
        await().until(() -> checker.status("web", "web2").consecutiveFailures() >= 4);
        assertThat(transitionsOf("web1")).isEmpty();
        assertThat(transitions).hasSize(1);
        assertThat(checker.statuses()).extracting(HealthStatus::server, HealthStatus::up)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("web1", true),
                        org.assertj.core.groups.Tuple.tuple("web2", false));
    }

    @Test
    void aTargetToldToStartDownNeedsRiseSuccessesToComeUp() throws Exception {
        CheckedServer server = closeLater(CheckedServer.start(0));
        HealthTarget web1 = target("web1", server.address());
        HealthChecker checker = closeLater(HealthChecker.start(group, transport, List.of(web1),
                tcp(INTERVAL, 3, 3), t -> false, transitions::add));
        HealthStatus initial = checker.status("web", "web1");
        assertThat(initial.up()).isFalse();

        await().until(() -> transitions.size() == 1);
        assertThat(transitions.get(0)).isEqualTo(new HealthTransition("web", "web1", true, "connected", 3));
    }

    @Test
    void theStatusBeforeTheFirstCheckIsUpWithoutAResult() throws Exception {
        CheckedServer server = closeLater(CheckedServer.start(0));
        HealthChecker checker = checker(tcp(Duration.ofSeconds(10), 2, 3), target("web1", server.address()));
        HealthStatus s = checker.status("web", "web1");
        if (s.lastResult().isEmpty()) { // the first check may already have run, within 500 ms
            assertThat(s.up()).isTrue();
            assertThat(s.lastCheckedAt()).isEmpty();
            assertThat(s.consecutiveSuccesses()).isZero();
            assertThat(s.consecutiveFailures()).isZero();
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> checker.status("web", "web1").lastResult().isPresent());
        HealthStatus after = checker.status("web", "web1");
        assertThat(after.lastResult()).contains(HealthCheck.Result.passed("connected"));
        assertThat(after.lastCheckedAt()).isPresent();
        assertThat(after.consecutiveSuccesses()).isEqualTo(1);
        assertThat(after.pool()).isEqualTo("web");
        assertThat(after.server()).isEqualTo("web1");
    }

    @Test
    void jitterSpreadsTheChecks() throws Exception {
        CheckedServer server = closeLater(CheckedServer.start(0));
        checker(tcp(INTERVAL, 2, 3), target("web1", server.address()));
        await().until(() -> server.accepted() >= 16);

        List<Long> at = server.acceptedAtNanos();
        List<Double> gapsMillis = new ArrayList<>();
        for (int i = 1; i < at.size(); i++) {
            gapsMillis.add((at.get(i) - at.get(i - 1)) / 1e6);
        }
        double min = gapsMillis.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = gapsMillis.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double mean = gapsMillis.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertThat(max - min).as("spread of the gaps %s", gapsMillis).isGreaterThan(5.0);
        assertThat(mean).as("mean gap of %s", gapsMillis).isCloseTo(INTERVAL.toMillis(), within(20.0));
    }

    @Test
    void jitterStaysWithinFifteenPercent() {
        long interval = TimeUnit.SECONDS.toNanos(2);
        assertThat(HealthChecker.jittered(interval, 0.0)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(1700));
        assertThat(HealthChecker.jittered(interval, 0.5)).isEqualTo(interval);
        assertThat(HealthChecker.jittered(interval, 0.999999)).isLessThan(TimeUnit.MILLISECONDS.toNanos(2300))
                .isGreaterThan(TimeUnit.MILLISECONDS.toNanos(2299));
    }

    @Test
    void closeStopsTheChecks() throws Exception {
        CheckedServer server = closeLater(CheckedServer.start(0));
        HealthChecker checker = HealthChecker.start(group, transport, List.of(target("web1", server.address())),
                tcp(INTERVAL, 2, 3), transitions::add);
        await().until(() -> server.accepted() >= 2);
        checker.close();
        // A check already on its way may still arrive; then nothing for several intervals.
        int[] last = {-1};
        await().pollInterval(Duration.ofMillis(3 * INTERVAL.toMillis())).until(() -> {
            int n = server.accepted();
            boolean settled = n == last[0];
            last[0] = n;
            return settled;
        });
        await().during(Duration.ofMillis(6 * INTERVAL.toMillis())).atMost(Duration.ofSeconds(2))
                .until(() -> server.accepted() == last[0]);
        checker.close(); // idempotent
    }

    @Test
    void aFailingCallbackIsLoggedOnceAndChecksGoOn() throws Exception {
        InetSocketAddress nobody = HealthCheckIntegrationTest.unusedPort();
        CheckedServer other = closeLater(CheckedServer.start(0));
        HealthChecker checker = closeLater(HealthChecker.start(group, transport,
                List.of(target("web1", nobody), target("web2", other.address())), tcp(INTERVAL, 1, 1),
                t -> {
                    transitions.add(t);
                    throw new IllegalStateException("callback bug");
                }));
        await().until(() -> transitions.size() == 1);
        await().until(() -> checker.status("web", "web1").consecutiveFailures() >= 3);
        assertThat(loggedAt(Level.WARN)).contains("web/web1: the transition callback failed (logged once until it succeeds)");
    }

    @Test
    void refusesWhatItCannotCheck() throws Exception {
        InetSocketAddress a = HealthCheckIntegrationTest.unusedPort();
        assertThatThrownBy(() -> HealthChecker.start(group, transport, List.of(target("web1", a)),
                HealthConfig.NONE, transitions::add)).hasMessage("type: none (expected: tcp or http)");
        assertThatThrownBy(() -> HealthChecker.start(group, transport, List.of(target("web1", a), target("web1", a)),
                tcp(INTERVAL, 2, 3), transitions::add)).hasMessageContaining("web/web1 appears twice");
        HealthChecker checker = checker(tcp(Duration.ofSeconds(10), 2, 3), target("web1", a));
        assertThatThrownBy(() -> checker.status("web", "web9"))
                .hasMessage("server web/web9 is not checked here (checked: web/web1)");
        assertThat(checker.targets()).containsExactly(target("web1", a));
    }
}

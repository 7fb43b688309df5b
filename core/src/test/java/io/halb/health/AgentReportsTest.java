package io.halb.health;

import io.halb.balance.Endpoint;
import io.halb.balance.ServerState;
import io.halb.config.HostPort;
import io.halb.config.ServerConfig;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

class AgentReportsTest {

    private static final AgentTarget TARGET =
            new AgentTarget("web", "web1", new InetSocketAddress(InetAddress.getLoopbackAddress(), 9777));

    private static Endpoint endpoint(int weight) {
        ServerConfig config = new ServerConfig("web1", new HostPort("127.0.0.1", 8080), weight, false);
        return new Endpoint("web", config, new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080));
    }

    private static boolean apply(String line, Endpoint e, int configured) {
        return AgentReports.apply(AgentReport.parse(TARGET, line), e, configured);
    }

    @Test
    void scalesTheConfiguredWeight() {
        Endpoint e = endpoint(100);
        assertThat(apply("25%", e, 100)).isTrue();
        assertThat(e.weight()).isEqualTo(25);
        assertThat(e.state()).isEqualTo(ServerState.UP);
        // Relative to the configured weight, not to the current one.
        assertThat(apply("50%", e, 100)).isTrue();
        assertThat(e.weight()).isEqualTo(50);
        assertThat(apply("50%", e, 100)).as("no change").isFalse();
    }

    @Test
    void keepsAtLeastOneUnlessTheAgentSaysZero() {
        Endpoint e = endpoint(3);
        apply("10%", e, 3);
        assertThat(e.weight()).isEqualTo(1);
        assertThat(e.available()).isTrue();
        apply("0%", e, 3);
        assertThat(e.weight()).isZero();
        assertThat(e.available()).isFalse();
        apply("100%", e, 3);
        assertThat(e.weight()).isEqualTo(3);
    }

    @Test
    void setsTheStateTheAgentAnnounces() {
        Endpoint e = endpoint(10);
        apply("drain", e, 10);
        assertThat(e.state()).isEqualTo(ServerState.DRAIN);
        apply("maint", e, 10);
        assertThat(e.state()).isEqualTo(ServerState.MAINT);
        apply("up", e, 10);
        assertThat(e.state()).isEqualTo(ServerState.UP);
        apply("stopped#deploy", e, 10);
        assertThat(e.state()).isEqualTo(ServerState.DOWN);
        apply("ready", e, 10);
        assertThat(e.state()).isEqualTo(ServerState.UP);
        apply("fail", e, 10);
        assertThat(e.state()).isEqualTo(ServerState.DOWN);
        apply("drain up 40%", e, 10);
        assertThat(e.state()).isEqualTo(ServerState.DRAIN);
        assertThat(e.weight()).isEqualTo(4);
    }

    @Test
    void leavesAloneWhatTheReportDoesNotSay() {
        Endpoint e = endpoint(10);
        apply("drain 50%", e, 10);
        apply("80%", e, 10);
        assertThat(e.state()).as("a weight alone keeps the state").isEqualTo(ServerState.DRAIN);
        assertThat(e.weight()).isEqualTo(8);
        apply("up", e, 10);
        assertThat(e.weight()).as("a state alone keeps the weight").isEqualTo(8);
        assertThat(apply("nonsense", e, 10)).isFalse();
        assertThat(e.state()).isEqualTo(ServerState.UP);
        assertThat(e.weight()).isEqualTo(8);
    }

    @Test
    void anUnreachableAgentChangesNothing() {
        Endpoint e = endpoint(10);
        apply("drain 30%", e, 10);
        assertThat(AgentReports.apply(AgentReport.unreachable(TARGET, "connection refused"), e, 10)).isFalse();
        assertThat(e.state()).isEqualTo(ServerState.DRAIN);
        assertThat(e.weight()).isEqualTo(3);
    }
}

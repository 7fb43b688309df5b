package io.halb.server;

import io.halb.admin.ControlPlane;
import io.halb.admin.ReloadResult;
import io.halb.balance.Endpoint;
import io.halb.balance.ServerState;
import io.halb.config.ConfigLoader;
import io.halb.config.HalbConfig;
import io.halb.config.HostPort;
import io.halb.config.ServerConfig;
import io.halb.testing.ClientLoad;
import io.halb.testing.HalbFixture;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Hot reload and runtime changes through the control plane, with real backends and clients. */
class ReloadIntegrationTest {

    @TempDir
    Path dir;

    private static final String TEMPLATE = """
            event_loops: 2
            admin: {bind: "127.0.0.1:0", state_file: state.json}
            listeners:
              - {name: web, bind: "127.0.0.1:0", mode: http, pool: web}
            pools:
              - name: web
                health: {type: tcp, interval: 200ms, timeout: 100ms, rise: 1, fall: 1}
                servers:
            {{servers}}
            """;

    private Path write(String yaml) throws Exception {
        Path file = dir.resolve("halb.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static String servers(TestBackend... backends) {
        StringBuilder sb = new StringBuilder();
        for (TestBackend b : backends) {
            sb.append("          - {name: ").append(b.name()).append(", address: \"").append(b.hostPort()).append("\"}\n");
        }
        return sb.toString();
    }

    private Halb start(Path file) throws Exception {
        return Halb.start(ConfigLoader.load(file, Map.of()));
    }

    @Test
    void aReloadUnderLoadFailsNoRequestAndTheNewServerTakesTraffic() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1"); TestBackend b2 = TestBackend.start("b2");
             TestBackend b3 = TestBackend.start("b3")) {
            Path file = write(HalbFixture.render(TEMPLATE, Map.of("servers", servers(b1, b2))));
            try (Halb halb = start(file);
                 ClientLoad load = ClientLoad.start(halb.address("web"), 4, Duration.ZERO, ClientLoad::get)) {
                await().atMost(Duration.ofSeconds(5)).until(() -> load.completed() > 500);
                Files.writeString(file, HalbFixture.render(TEMPLATE, Map.of("servers", servers(b1, b2, b3))));
                ReloadResult result = halb.reloadFromFile();
                assertThat(result.applied()).as("%s", result).isTrue();
                assertThat(result.changes()).anySatisfy(c -> assertThat(c).contains("server b3 added"));
                long at = load.completed();
                await().atMost(Duration.ofSeconds(5)).until(() -> load.completed() > at + 1000);
                load.close();
                assertThat(load.failures()).isEmpty();
                assertThat(b3.requests()).isPositive();
            }
        }
    }

    @Test
    void anInvalidReloadChangesNothingAndSaysWhy() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1")) {
            Path file = write(HalbFixture.render(TEMPLATE, Map.of("servers", servers(b1))));
            try (Halb halb = start(file)) {
                HalbConfig before = halb.config();
                Files.writeString(file, "listeners:\n  - {name: web, bind: nowhere, pool: nothing}\n");
                ReloadResult result = halb.reloadFromFile();
                assertThat(result.applied()).isFalse();
                assertThat(result.errors()).isNotEmpty().allSatisfy(e -> assertThat(e).contains("halb.yaml:"));
                assertThat(halb.config()).isEqualTo(before);
                assertThat(ClientLoad.start(halb.address("web"), 1, Duration.ZERO, 20, Duration.ofSeconds(5), ClientLoad::get))
                        .satisfies(l -> {
                            assertThat(l.awaitDone(Duration.ofSeconds(10))).isTrue();
                            assertThat(l.failures()).isEmpty();
                            l.close();
                        });
            }
        }
    }

    @Test
    void healthStateCarriesOverAReload() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1")) {
            TestBackend b2 = TestBackend.start("b2");
            Path file = write(HalbFixture.render(TEMPLATE, Map.of("servers", servers(b1, b2))));
            try (Halb halb = start(file)) {
                b2.close(); // the server dies; closed once, here
                await().atMost(Duration.ofSeconds(5)).until(() -> !endpoint(halb, "b2").healthy());
                Files.writeString(file, Files.readString(file) + "timeouts: {server: 20s}\n");
                assertThat(halb.reloadFromFile().applied()).isTrue();
                // Same server, same endpoint: still down, not assumed up again by the new checker.
                assertThat(endpoint(halb, "b2").healthy()).isFalse();
                assertThat(endpoint(halb, "b2").state()).isEqualTo(ServerState.DOWN);
            }
        }
    }

    @Test
    void aDrainAndAnAddedServerSurviveAReloadAndARestart() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1"); TestBackend b2 = TestBackend.start("b2");
             TestBackend b3 = TestBackend.start("b3")) {
            Path file = write(HalbFixture.render(TEMPLATE, Map.of("servers", servers(b1, b2))));
            try (Halb halb = start(file)) {
                ControlPlane plane = halb.controlPlane();
                plane.setServerState("web", "b1", "drain");
                plane.addServer("web", new ServerConfig("b3", HostPort.parse(b3.hostPort()), 2, false));
                assertThat(endpoint(halb, "b1").state()).isEqualTo(ServerState.DRAIN);
                assertThat(halb.endpoints("web")).extracting(Endpoint::name).containsExactly("b1", "b2", "b3");
                assertThat(halb.reloadFromFile().applied()).isTrue();
                assertThat(endpoint(halb, "b1").state()).isEqualTo(ServerState.DRAIN);
                assertThat(halb.endpoints("web")).extracting(Endpoint::name).contains("b3");
            }
            assertThat(dir.resolve("state.json")).exists();
            try (Halb again = start(file)) {
                assertThat(endpoint(again, "b1").state()).isEqualTo(ServerState.DRAIN);
                assertThat(endpoint(again, "b3").weight()).isEqualTo(2);
                again.controlPlane().setServerState("web", "b1", "ready");
                again.controlPlane().removeServer("web", "b3");
                assertThat(endpoint(again, "b1").state()).isEqualTo(ServerState.UP);
                assertThat(again.endpoints("web")).extracting(Endpoint::name).containsExactly("b1", "b2");
            }
        }
    }

    @Test
    void runtimeChangesAreValidated() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1")) {
            Path file = write(HalbFixture.render(TEMPLATE, Map.of("servers", servers(b1))));
            try (Halb halb = start(file)) {
                ControlPlane plane = halb.controlPlane();
                assertThatThrownBy(() -> plane.setServerState("web", "nope", "drain")).isInstanceOf(ControlPlane.NotFoundException.class);
                assertThatThrownBy(() -> plane.setServerState("nope", "b1", "drain")).isInstanceOf(ControlPlane.NotFoundException.class);
                assertThatThrownBy(() -> plane.setServerState("web", "b1", "asleep")).hasMessageContaining("ready, drain or maint");
                assertThatThrownBy(() -> plane.setServerWeight("web", "b1", 999)).hasMessageContaining("0..256");
                assertThatThrownBy(() -> plane.removeServer("web", "b1")).hasMessageContaining("last primary");
                assertThat(plane.pools()).singleElement().satisfies(p -> assertThat(p.servers()).hasSize(1));
                assertThat(plane.effectiveConfig()).asString().contains("web", "round_robin");
            }
        }
    }

    private static Endpoint endpoint(Halb halb, String name) {
        return halb.endpoints("web").stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }
}

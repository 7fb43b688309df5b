package io.halb.config;

import io.halb.config.ClusterConfig.VipConfig;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static io.halb.config.ConfigLoaderTest.MINIMAL;
import static io.halb.config.ConfigLoaderTest.errors;
import static io.halb.config.ConfigLoaderTest.parse;
import static org.assertj.core.api.Assertions.assertThat;

/** The cluster keys added for VIP ownership: {@code track}, {@code command}, {@code vips[].prefer}, {@code vips[].command}. */
class ConfigLoaderClusterTest {

    @Test
    void readsTrackCommandAndPreferredNodes() throws ConfigException {
        ClusterConfig c = parse(MINIMAL + """
                cluster:
                  node: lb1
                  bind: 198.18.0.11:7800
                  peers: [198.18.0.12:7800, 198.18.0.13:7800]
                  mode: active_active
                  track: [198.18.0.1:80]
                  command: /usr/local/bin/move-ip
                  vips:
                    - {address: 198.18.0.100/24, interface: eth0, driver: linux, prefer: lb2}
                    - {address: 198.18.0.101, driver: exec}
                    - {address: 198.18.0.102, driver: exec, command: "cloud-ip assign"}
                """).cluster().orElseThrow();
        assertThat(c.track()).containsExactly(HostPort.parse("198.18.0.1:80"));
        assertThat(c.command()).contains("/usr/local/bin/move-ip");
        assertThat(c.configuredNodes()).isEqualTo(3);
        assertThat(c.vips().get(0).prefer()).contains("lb2");
        assertThat(c.vips().get(0).host()).isEqualTo("198.18.0.100");
        assertThat(c.vips().get(1).cidr()).isEqualTo("198.18.0.101/32");
        assertThat(c.vips().get(1).command()).isEmpty();
        assertThat(c.vips().get(2).command()).contains("cloud-ip assign");
        assertThat(c.vips().get(2)).isEqualTo(new VipConfig("198.18.0.102", "", VipConfig.Driver.EXEC,
                Optional.empty(), Optional.of("cloud-ip assign")));
    }

    @Test
    void theClusterExamplesLoad() throws ConfigException {
        for (String node : java.util.List.of("lb1", "lb2")) {
            HalbConfig c = ConfigLoader.load(java.nio.file.Path.of("../examples/cluster/" + node + ".yaml"), java.util.Map.of());
            assertThat(c.cluster().orElseThrow().node()).isEqualTo(node);
        }
    }

    @Test
    void anExecVipWithoutACommandIsAnError() {
        assertThat(errors(MINIMAL + """
                cluster:
                  node: lb1
                  bind: 198.18.0.11:7800
                  vips: [{address: 198.18.0.101, driver: exec}]
                """)).singleElement().satisfies(e -> {
            assertThat(e.key()).isEqualTo("cluster.vips");
            assertThat(e.message()).contains("driver exec has no command");
        });
    }

    @Test
    void aBadTrackTargetNamesItsKey() {
        assertThat(errors(MINIMAL + """
                cluster:
                  node: lb1
                  bind: 198.18.0.11:7800
                  track: [gateway]
                """)).singleElement().satisfies(e -> assertThat(e.key()).startsWith("cluster.track"));
    }
}

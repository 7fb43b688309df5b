package io.halb.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The keys of {@code limits:}: defaults, the top level as every listener's defaults, key-by-key override, errors. */
class ConfigLoaderProtectionTest {

    private static HalbConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml + """
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
                  - {name: busy, servers: [{name: b, address: 127.0.0.1:9002}]}
                """, Path.of("halb.yaml"), Map.of());
    }

    @Test
    void withoutLimitsAListenerGetsTheDefaults() throws ConfigException {
        LimitsConfig l = parse("listeners: [{name: web, bind: 127.0.0.1:8080, pool: web}]\n").listeners().get(0).limits();
        assertThat(l).isEqualTo(LimitsConfig.DEFAULTS);
        assertThat(l.maxConnections()).isEqualTo(10_000);
        assertThat(l.tableSize()).isEqualTo(100_000);
        assertThat(l.perClient().requestRate().limited()).isFalse();
        assertThat(l.minBodyRate()).isEqualTo(DataSize.ofKibibytes(1));
    }

    @Test
    void aListenerOverridesTheTopLevelKeyByKey() throws ConfigException {
        HalbConfig c = parse("""
                limits:
                  max_connections: 20000
                  per_client:
                    max_connections: 100
                    connection_rate: {rate: 50, burst: 100}
                    request_rate: {rate: 100, burst: 200}
                  table_size: 50000
                  action: reject
                  tarpit: 3s
                  allow: [127.0.0.0/8]
                  deny: [198.18.0.0/15]
                  overload: {max_connections: 15000, action: {divert: busy}}
                  min_body_rate: 2KiB/s
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                  - name: api
                    bind: 127.0.0.1:8081
                    pool: web
                    limits: {per_client: {request_rate: {rate: 5}}, action: tarpit, overload: none}
                """);
        LimitsConfig web = c.listeners().get(0).limits();
        assertThat(web.maxConnections()).isEqualTo(20_000);
        assertThat(web.perClient().connectionRate()).isEqualTo(new LimitsConfig.Rate(50, 100));
        assertThat(web.overload().get().action()).isEqualTo(new LimitAction.Divert("busy"));
        assertThat(web.deny()).containsExactly(Cidr.parse("198.18.0.0/15"));
        assertThat(web.tarpit()).isEqualTo(Duration.ofSeconds(3));
        assertThat(web.minBodyRate()).isEqualTo(DataSize.ofKibibytes(2));
        LimitsConfig api = c.listeners().get(1).limits();
        assertThat(api.perClient().requestRate()).isEqualTo(new LimitsConfig.Rate(5, 5));
        assertThat(api.perClient().maxConnections()).isEqualTo(100);
        assertThat(api.perClient().connectionRate()).isEqualTo(new LimitsConfig.Rate(50, 100));
        assertThat(api.action()).isEqualTo(new LimitAction.Tarpit());
        assertThat(api.overload()).isEmpty();
        assertThat(api.allow()).isEqualTo(web.allow());
        assertThat(api.tableSize()).isEqualTo(50_000);
    }

    @Test
    void badValuesNameTheirKey() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse("""
                limits:
                  action: {divert: nowhere}
                  per_client: {request_rate: {rate: -1}}
                listeners:
                  - name: web
                    bind: 127.0.0.1:8080
                    pool: web
                    limits: {action: shed, min_body_rate: 1KiB, deny: [example.com], max_connections: 10,
                             overload: {max_connections: 10, action: drop}, colour: red}
                """));
        assertThat(e.getMessage())
                .contains("limits.action.divert: no pool named 'nowhere'")
                .contains("limits.per_client.request_rate.rate: -1 (expected: 0..1000000 per second, 0 = no limit)")
                .contains("listeners[0].limits.action: 'shed' (expected: reject, tarpit, drop or {divert: POOL})")
                .contains("listeners[0].limits.min_body_rate: '1KiB' (expected: a size per second such as 1KiB/s")
                .contains("listeners[0].limits.deny[0]: 'example.com'")
                .contains("listeners[0].limits.overload: max_connections 10 is not below the listener's max_connections 10")
                .contains("listeners[0].limits.colour: unknown key");
    }
}

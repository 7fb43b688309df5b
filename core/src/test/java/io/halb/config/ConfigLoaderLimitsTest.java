package io.halb.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The keys of connection limits, the queue and bounded-load hashing. */
class ConfigLoaderLimitsTest {

    private static HalbConfig parse(String pool) throws ConfigException {
        return ConfigLoader.parse("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                """ + pool, Path.of("halb.yaml"), Map.of());
    }

    @Test
    void limitsAndQueueDefaultToNoLimitAndABoundedQueue() throws ConfigException {
        PoolConfig p = parse("  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}\n").pools().get(0);
        assertThat(p.servers().get(0).maxConnections()).isZero();
        assertThat(p.maxQueue()).isEqualTo(PoolConfig.DEFAULT_MAX_QUEUE);
        assertThat(p.queueTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.hashBalanceFactor()).isZero();
    }

    @Test
    void readsLimitsQueueAndBalanceFactor() throws ConfigException {
        PoolConfig p = parse("""
                  - name: web
                    algorithm: uri_hash
                    hash_balance_factor: 125
                    max_queue: 50
                    queue_timeout: 2s
                    servers: [{name: a, address: 127.0.0.1:9001, max_connections: 100}]
                """).pools().get(0);
        assertThat(p.servers().get(0).maxConnections()).isEqualTo(100);
        assertThat(p.maxQueue()).isEqualTo(50);
        assertThat(p.queueTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.hashBalanceFactor()).isEqualTo(125);
    }

    @Test
    void aBalanceFactorOutsideItsRangeOrOnANonHashPoolIsAnError() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse("""
                  - name: web
                    hash_balance_factor: 125
                    servers: [{name: a, address: 127.0.0.1:9001, max_connections: -1}]
                """));
        assertThat(e.errors()).extracting(ConfigError::key)
                .contains("pools[0].hash_balance_factor", "pools[0].servers[0].max_connections");
        assertThat(e.errors()).filteredOn(x -> x.key().endsWith("hash_balance_factor"))
                .singleElement().satisfies(x -> assertThat(x.line()).isEqualTo(5));
    }
}

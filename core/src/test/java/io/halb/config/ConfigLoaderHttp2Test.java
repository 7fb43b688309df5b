package io.halb.config;

import static io.halb.config.ConfigLoaderTest.errors;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The listener key {@code h2c}: cleartext HTTP/2 with prior knowledge next to HTTP/1.1. */
class ConfigLoaderHttp2Test {

    private static final String POOL = """
            pools:
              - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
            """;

    @Test
    void h2cIsOffUnlessAskedFor() throws Exception {
        HalbConfig c = ConfigLoaderTest.parse("""
                listeners:
                  - {name: plain, bind: 127.0.0.1:8080, pool: web}
                  - {name: both, bind: 127.0.0.1:8081, pool: web, h2c: true}
                """ + POOL);
        assertThat(c.listeners().get(0).h2c()).isFalse();
        assertThat(c.listeners().get(1).h2c()).isTrue();
    }

    @Test
    void h2cIsABoolean() {
        List<ConfigError> e = errors("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web, h2c: yes-please}
                """ + POOL);
        assertThat(e).hasSize(1);
        assertThat(e.get(0).key()).isEqualTo("listeners[0].h2c");
        assertThat(e.get(0).message()).contains("expected: true or false");
    }

    @Test
    void h2cIsForHttpListenersWithoutTls() {
        List<ConfigError> e = errors("""
                listeners:
                  - {name: raw, bind: 127.0.0.1:8080, mode: tcp, pool: web, h2c: true}
                  - name: secure
                    bind: 127.0.0.1:8443
                    pool: web
                    h2c: true
                    tls: {certificates: [{cert: a.pem, key: a.key}]}
                """ + POOL);
        assertThat(e).extracting(ConfigError::key).containsExactlyInAnyOrder("listeners[0].h2c", "listeners[1].h2c");
        assertThat(e).anySatisfy(x -> assertThat(x.message()).contains("only for mode http"));
        assertThat(e).anySatisfy(x -> assertThat(x.message()).contains("ALPN"));
    }
}

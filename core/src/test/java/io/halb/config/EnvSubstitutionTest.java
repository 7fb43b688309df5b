package io.halb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvSubstitutionTest {

    private final EnvSubstitution env = new EnvSubstitution(Map.of("HOST", "10.0.0.1", "PORT", "8080", "EMPTY", ""));

    @Test
    void replacesVariables() {
        assertThat(env.substitute("${HOST}:${PORT}")).isEqualTo("10.0.0.1:8080");
        assertThat(env.substitute("plain")).isEqualTo("plain");
        assertThat(env.substitute("cost: $5")).isEqualTo("cost: $5");
    }

    @Test
    void usesTheDefaultWhenUnsetOrEmpty() {
        assertThat(env.substitute("${NOPE:-127.0.0.1}:${PORT:-1}")).isEqualTo("127.0.0.1:8080");
        assertThat(env.substitute("${EMPTY:-fallback}")).isEqualTo("fallback");
        assertThat(env.substitute("${NOPE:-}")).isEmpty();
        assertThat(env.substitute("${EMPTY}")).isEmpty();
    }

    @Test
    void doubleDollarEscapes() {
        assertThat(env.substitute("$${HOST}")).isEqualTo("${HOST}");
    }

    @Test
    void anUnsetVariableWithoutDefaultIsAnErrorNamingIt() {
        assertThatThrownBy(() -> env.substitute("${MISSING}"))
                .hasMessage("environment variable MISSING is not set (set it, or write ${MISSING:-default})");
    }

    @Test
    void malformedReferencesAreErrors() {
        assertThatThrownBy(() -> env.substitute("${HOST")).hasMessageContaining("unterminated ${");
        assertThatThrownBy(() -> env.substitute("${1X}")).hasMessageContaining("'1X' is not a variable name");
        assertThatThrownBy(() -> env.substitute("${}")).hasMessageContaining("is not a variable name");
    }

    @Test
    void substitutesScalarValuesOfAConfigWithoutMovingLineNumbers() throws ConfigException {
        String yaml = """
                listeners:
                  - name: ${LISTENER:-web}
                    bind: ${BIND}
                    pool: web
                pools:
                  - name: web
                    retries: ${RETRIES}
                    servers:
                      - name: a
                        address: ${BACKEND}
                        backup: ${BACKUP:-false}
                """;
        HalbConfig c = ConfigLoader.parse(yaml, ConfigLoaderTest.SOURCE,
                Map.of("BIND", "0.0.0.0:80", "RETRIES", "4", "BACKEND", "127.0.0.1:9001"));
        assertThat(c.listeners().get(0).name()).isEqualTo("web");
        assertThat(c.listeners().get(0).bind()).isEqualTo(new HostPort("0.0.0.0", 80));
        assertThat(c.pools().get(0).retries()).isEqualTo(4);
        assertThat(c.pools().get(0).servers().get(0).address()).isEqualTo(HostPort.parse("127.0.0.1:9001"));

        List<ConfigError> errors = ConfigLoaderTest.errors(yaml, Map.of("BIND", "0.0.0.0:80", "RETRIES", "lots"));
        assertThat(errors).extracting(ConfigError::line, ConfigError::key, ConfigError::message).containsExactly(
                org.assertj.core.groups.Tuple.tuple(7, "pools[0].retries", "'lots' (expected: a number)"),
                org.assertj.core.groups.Tuple.tuple(10, "pools[0].servers[0].address",
                        "environment variable BACKEND is not set (set it, or write ${BACKEND:-default})"));
    }

    @Test
    void keysAreNotSubstituted() {
        List<ConfigError> errors = ConfigLoaderTest.errors(ConfigLoaderTest.MINIMAL + "${KEY}: 1\n", Map.of("KEY", "admin"));
        assertThat(errors).singleElement().extracting(ConfigError::key).isEqualTo("${KEY}");
    }

    @Test
    void theProcessEnvironmentIsTheDefault() throws Exception {
        // PATH is set in every environment surefire runs in.
        java.nio.file.Path file = java.nio.file.Files.createTempFile("halb", ".yaml");
        try {
            java.nio.file.Files.writeString(file, ConfigLoaderTest.MINIMAL + "admin: {token_file: \"${PATH:-x}/t\"}\n");
            assertThat(ConfigLoader.load(file).admin().tokenFile()).isPresent();
        } finally {
            java.nio.file.Files.delete(file);
        }
    }
}

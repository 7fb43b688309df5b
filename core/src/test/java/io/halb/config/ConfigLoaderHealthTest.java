package io.halb.config;

import static io.halb.config.ConfigLoaderTest.errors;
import static io.halb.config.ConfigLoaderTest.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.halb.config.HealthConfig.Method;
import io.halb.config.HealthConfig.StatusRange;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The keys of active health checks ({@code health:}) and the pool's {@code slow_start}. */
class ConfigLoaderHealthTest {

    /** A file whose only pool has {@code pool} as extra keys; {@code pool} is written from column 1. */
    private static String withPool(String pool) {
        return """
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - name: web
                %s    servers: [{name: a, address: 127.0.0.1:9001}]
                """.formatted(pool.isEmpty() ? "" : pool.stripIndent().indent(4));
    }

    private static PoolConfig pool(String pool) throws ConfigException {
        return parse(withPool(pool)).pools().get(0);
    }

    @Test
    void anHttpCheckWithOnlyItsTypeGetsHaproxysDefaults() throws ConfigException {
        HealthConfig h = pool("health: {type: http}").health();

        assertThat(h.type()).isEqualTo(HealthConfig.Type.HTTP);
        assertThat(h.method()).isEqualTo(Method.GET);
        assertThat(h.path()).isEqualTo("/");
        assertThat(h.host()).isEmpty();
        assertThat(h.expectStatuses()).containsExactly(new StatusRange(200, 399));
        assertThat(h.expectStatus()).isEqualTo(new StatusRange(200, 399));
        assertThat(h.expectBody()).isEmpty();
        assertThat(h.interval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(h.timeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(h.rise()).isEqualTo(2);
        assertThat(h.fall()).isEqualTo(3);
    }

    @Test
    void readsEveryKeyOfAnHttpCheck() throws ConfigException {
        HealthConfig h = pool("""
                    health:
                      type: http
                      method: OPTIONS
                      path: /healthz?full=1
                      host: status.example.com
                      expect_status: [200-299, 302]
                      expect_body: '"status":"ok"'
                      interval: 500ms
                      timeout: 200ms
                      rise: 1
                      fall: 5""").health();

        assertThat(h).isEqualTo(new HealthConfig(HealthConfig.Type.HTTP, Method.OPTIONS, "/healthz?full=1",
                Optional.of("status.example.com"), List.of(new StatusRange(200, 299), new StatusRange(302, 302)),
                Optional.of("\"status\":\"ok\""), Duration.ofMillis(500), Duration.ofMillis(200), 1, 5));
        assertThat(h.expectStatusText()).isEqualTo("200-299, 302");
    }

    @Test
    void expectStatusIsOneStatusOneRangeOrAListOfThem() throws ConfigException {
        assertThat(pool("health: {type: http, expect_status: 204}").health().expectStatuses())
                .containsExactly(new StatusRange(204, 204));
        assertThat(pool("health: {type: http, expect_status: 200-299}").health().expectStatuses())
                .containsExactly(new StatusRange(200, 299));
        assertThat(pool("health: {type: http, expect_status: [204]}").health().expectStatuses())
                .containsExactly(new StatusRange(204, 204));

        HealthConfig h = pool("health: {type: http, expect_status: [200-299, 302, 401-403]}").health();
        assertThat(h.expectsStatus(200)).isTrue();
        assertThat(h.expectsStatus(299)).isTrue();
        assertThat(h.expectsStatus(301)).isFalse();
        assertThat(h.expectsStatus(302)).isTrue();
        assertThat(h.expectsStatus(402)).isTrue();
        assertThat(h.expectsStatus(404)).isFalse();
        assertThat(h.expectsStatus(503)).isFalse();
    }

    @Test
    void theMethodMayBeWrittenInLowerCase() throws ConfigException {
        assertThat(pool("health: {type: http, method: head}").health().method()).isEqualTo(Method.HEAD);
        assertThat(pool("health: {type: http, method: GET}").health().method()).isEqualTo(Method.GET);
    }

    @Test
    void slowStartIsADurationThatDefaultsToOff() throws ConfigException {
        assertThat(pool("").slowStart()).isZero();
        assertThat(pool("slow_start: 30s").slowStart()).isEqualTo(Duration.ofSeconds(30));
        assertThat(pool("slow_start: 0s").slowStart()).isZero();
    }

    @Test
    void theOldConstructorsStillMeanGetWithoutBodyCheckOrSlowStart() {
        HealthConfig h = new HealthConfig(HealthConfig.Type.HTTP, "/ping", new StatusRange(200, 200),
                Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3);
        assertThat(h.method()).isEqualTo(Method.GET);
        assertThat(h.host()).isEmpty();
        assertThat(h.expectStatuses()).containsExactly(new StatusRange(200, 200));
        assertThat(h.expectBody()).isEmpty();

        PoolConfig p = new PoolConfig("web", Algorithm.ROUND_ROBIN, Optional.empty(), PersistenceConfig.NONE,
                h, Optional.empty(), 2, List.of(new ServerConfig("a", HostPort.parse("127.0.0.1:9001"), 1, false)));
        assertThat(p.slowStart()).isZero();
    }

    // ---- errors

    @Test
    void anUnknownMethodListsTheAllowedOnes() {
        List<ConfigError> errors = errors(withPool("health: {type: http, method: POST}"));
        assertThat(errors).extracting(ConfigError::key, ConfigError::line, ConfigError::column)
                .containsExactly(tuple("pools[0].health.method", 5, 34));
        assertThat(errors.get(0).message()).isEqualTo("'POST' (expected one of: GET, HEAD, OPTIONS)");
    }

    @Test
    void aBadStatusInAListIsReportedAtTheItem() {
        List<ConfigError> errors = errors(withPool("health: {type: http, expect_status: [200-299, 3o2, 600]}"));
        assertThat(errors).extracting(ConfigError::key, ConfigError::column).containsExactly(
                tuple("pools[0].health.expect_status[1]", 51),
                tuple("pools[0].health.expect_status[2]", 56));
        assertThat(errors.get(0).message())
                .isEqualTo("'3o2' (expected: 200, 200-399 or a list of them such as [200-299, 302])");
        assertThat(errors.get(1).message()).isEqualTo("600-600 (expected: 100..599, low <= high)");
    }

    @Test
    void anEmptyListOfStatusesIsAnError() {
        List<ConfigError> errors = errors(withPool("health: {type: http, expect_status: []}"));
        assertThat(errors).extracting(ConfigError::key).containsExactly("pools[0].health.expect_status");
        assertThat(errors.get(0).message()).startsWith("empty (expected: at least one status");
    }

    @Test
    void aMappingIsNoStatus() {
        List<ConfigError> errors = errors(withPool("health: {type: http, expect_status: {low: 200}}"));
        assertThat(errors).extracting(ConfigError::key).containsExactly("pools[0].health.expect_status");
        assertThat(errors.get(0).message()).isEqualTo("expected a status such as 200 or 200-399, got a mapping");
    }

    @Test
    void aHostWithASpaceIsAnErrorAtTheHost() {
        List<ConfigError> errors = errors(withPool("health: {type: http, host: \"a b\"}"));
        assertThat(errors).extracting(ConfigError::key).containsExactly("pools[0].health.host");
        assertThat(errors.get(0).message()).startsWith("'a b' (expected: a host name");
    }

    @Test
    void aPathWithASpaceIsAnError() {
        List<ConfigError> errors = errors(withPool("health: {type: http, path: /a b}"));
        assertThat(errors).extracting(ConfigError::key).containsExactly("pools[0].health.path");
        assertThat(errors.get(0).message()).startsWith("'/a b' (expected: no spaces");
    }

    @Test
    void expectBodyCannotBeEmptyNorGoWithHead() {
        assertThat(errors(withPool("health: {type: http, expect_body: ''}")))
                .extracting(ConfigError::key, ConfigError::message)
                .containsExactly(tuple("pools[0].health.expect_body",
                        "empty (expected: the text a healthy body contains)"));
        assertThat(errors(withPool("health: {type: http, method: HEAD, expect_body: ok}")))
                .extracting(ConfigError::key, ConfigError::message)
                .containsExactly(tuple("pools[0].health.expect_body", "'ok' with method HEAD "
                        + "(expected: method GET or OPTIONS; a response to HEAD has no body)"));
    }

    @Test
    void httpKeysInATcpCheckAreErrors() {
        List<ConfigError> errors = errors(withPool("""
                    health:
                      type: tcp
                      method: GET
                      host: example.com
                      expect_status: [200]
                      expect_body: ok"""));
        assertThat(errors).extracting(ConfigError::key, ConfigError::message).containsExactly(
                tuple("pools[0].health.method", "only for type http (type is tcp)"),
                tuple("pools[0].health.host", "only for type http (type is tcp)"),
                tuple("pools[0].health.expect_status", "only for type http (type is tcp)"),
                tuple("pools[0].health.expect_body", "only for type http (type is tcp)"));
    }

    @Test
    void slowStartNeedsAUnit() {
        List<ConfigError> errors = errors(withPool("slow_start: 30"));
        assertThat(errors).extracting(ConfigError::key).containsExactly("pools[0].slow_start");
        assertThat(errors.get(0).message()).contains("missing unit");
    }

    @Test
    void aMisspelledHealthKeySuggestsTheRightOne() {
        List<ConfigError> errors = errors(withPool("health: {type: http, expect_bdy: ok}"));
        assertThat(errors).extracting(ConfigError::key).containsExactly("pools[0].health.expect_bdy");
        assertThat(errors.get(0).message()).contains("did you mean 'expect_body'?")
                .contains("allowed here: type, method, path, host, expect_status, expect_body, interval, timeout, rise, fall");
    }

    @Test
    void theRecordsRefuseWhatTheLoaderRefuses() {
        assertThatThrownBy(() -> new HealthConfig(HealthConfig.Type.HTTP, Method.GET, "/", Optional.empty(),
                List.of(), Optional.empty(), Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3))
                .hasMessage("expect_status: empty (expected: at least one status or range)");
        assertThatThrownBy(() -> new HealthConfig(HealthConfig.Type.HTTP, Method.GET, "/", Optional.of("a\r\nb"),
                List.of(new StatusRange(200, 200)), Optional.empty(), Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3))
                .hasMessageStartingWith("host: 'a\r\nb'");
        assertThatThrownBy(() -> new HealthConfig(HealthConfig.Type.HTTP, Method.GET, "/", Optional.empty(),
                List.of(new StatusRange(200, 200)), Optional.of("x".repeat(1025)), Duration.ofSeconds(2),
                Duration.ofSeconds(1), 2, 3))
                .hasMessage("expect_body: 1025 bytes (expected: at most 1024)");
        assertThatThrownBy(() -> new PoolConfig("web", Algorithm.ROUND_ROBIN, Optional.empty(), PersistenceConfig.NONE,
                HealthConfig.NONE, Optional.empty(), 2, List.of(), Duration.ofSeconds(-1)))
                .hasMessage("slow_start: -1s (expected: >= 0s)");
    }
}

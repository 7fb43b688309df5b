package io.halb.config;

import static io.halb.config.ConfigLoaderTest.errors;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each kind of mistake is reported with the right line, column and key, and every one of them at once. */
class ConfigLoaderErrorsTest {

    private static ConfigError single(String yaml) {
        return single(yaml, Map.of());
    }

    private static ConfigError single(String yaml, Map<String, String> env) {
        List<ConfigError> errors = errors(yaml, env);
        assertThat(errors).as("errors of%n%s", yaml).hasSize(1);
        return errors.get(0);
    }

    private static void assertError(ConfigError e, int line, int column, String key, String message) {
        assertThat(e.line()).as("line of %s", e).isEqualTo(line);
        assertThat(e.column()).as("column of %s", e).isEqualTo(column);
        assertThat(e.key()).as("key of %s", e).isEqualTo(key);
        assertThat(e.message()).as("message of %s", e).contains(message);
    }

    // ---- the record's own checks, reported at the value

    @Test
    void anOutOfRangeWeightPointsAtTheValue() {
        ConfigError e = single("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - name: web
                    servers:
                      - {name: a, address: 127.0.0.1:9001}
                      - name: b
                        address: 127.0.0.1:9002
                        weight: -1
                """);
        assertError(e, 9, 17, "pools[0].servers[1].weight", "-1 (expected: 1..256)");
        assertThat(e.toString()).isEqualTo(ConfigLoaderTest.SOURCE
                + ":9:17: pools[0].servers[1].weight: -1 (expected: 1..256)");
    }

    @Test
    void recordChecksOfEveryLevelAreReportedAtTheirKeys() {
        List<ConfigError> errors = errors("""
                event_loops: 5000
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - name: web
                    retries: 11
                    persistence: {type: cookie, cookie: "bad cookie"}
                    health: {type: http, path: healthz, rise: 0}
                    agent: {port: 70000}
                    servers: [{name: a, address: 127.0.0.1:0}]
                timeouts: {connect: 0s}
                cluster: {node: lb1, bind: 127.0.0.1:7800, priority: 300}
                """);
        assertThat(errors).extracting(ConfigError::key, ConfigError::line).containsExactly(
                org.assertj.core.groups.Tuple.tuple("event_loops", 1),
                org.assertj.core.groups.Tuple.tuple("pools[0].retries", 6),
                org.assertj.core.groups.Tuple.tuple("pools[0].persistence.cookie", 7),
                org.assertj.core.groups.Tuple.tuple("pools[0].health.path", 8),
                org.assertj.core.groups.Tuple.tuple("pools[0].agent.port", 9),
                org.assertj.core.groups.Tuple.tuple("pools[0].servers[0].address", 10),
                org.assertj.core.groups.Tuple.tuple("timeouts.connect", 11),
                org.assertj.core.groups.Tuple.tuple("cluster.priority", 12));
        assertThat(errors.get(1).message()).isEqualTo("11 (expected: 0..10)");
        assertThat(errors.get(3).message()).isEqualTo("'healthz' (expected: starts with /)");
    }

    // ---- keys

    @Test
    void anUnknownKeySuggestsTheClosestKnownOne() {
        ConfigError e = single("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - name: web
                    servers:
                      - name: a
                        address: 127.0.0.1:9001
                        wieght: 3
                """);
        assertError(e, 8, 9, "pools[0].servers[0].wieght", "unknown key (did you mean 'weight'?)");
        assertThat(e.message()).contains("allowed here: name, address, weight, backup");
    }

    @Test
    void anUnknownKeyFarFromAnyKnownOneGetsNoSuggestion() {
        ConfigError e = single("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
                frontends: []
                """);
        assertError(e, 5, 1, "frontends", "unknown key; allowed here: admin, event_loops");
    }

    @Test
    void aDuplicateKeyIsAnErrorAtItsSecondOccurrence() {
        ConfigError e = single("""
                listeners:
                  - name: web
                    bind: 127.0.0.1:8080
                    pool: web
                    bind: 127.0.0.1:8081
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
                """);
        assertError(e, 5, 5, "listeners[0].bind", "duplicate key (first at line 3)");
    }

    @Test
    void aMissingRequiredKeyIsReportedAtItsMapping() {
        ConfigError e = single("""
                listeners:
                  - name: web
                    pool: web
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
                """);
        assertError(e, 2, 5, "listeners[0].bind", "missing (required)");
    }

    @Test
    void anEmptyValueForARequiredKeyIsReportedAtTheKey() {
        ConfigError e = single("""
                listeners:
                  - name: web
                    bind:
                    pool: web
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
                """);
        assertError(e, 3, 5, "listeners[0].bind", "missing value");
    }

    @Test
    void listenersAndPoolsAreRequired() {
        List<ConfigError> errors = errors("admin: {bind: 127.0.0.1:9090}\n");
        assertThat(errors).extracting(ConfigError::key).containsExactlyInAnyOrder("listeners", "pools");
        assertThat(errors).allSatisfy(e -> assertThat(e.message()).isEqualTo("missing (required)"));
    }

    @Test
    void emptyListsOfListenersPoolsAndServersAreErrors() {
        List<ConfigError> errors = errors("""
                listeners: []
                pools:
                  - {name: web, servers: []}
                """);
        assertThat(errors).extracting(ConfigError::key, ConfigError::message).containsExactly(
                org.assertj.core.groups.Tuple.tuple("listeners", "empty (expected: at least one listener)"),
                org.assertj.core.groups.Tuple.tuple("pools[0].servers", "empty (expected: at least one server)"));
    }

    // ---- types

    @Test
    void aMappingWhereAListBelongsIsAnError() {
        ConfigError e = single("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - name: web
                    servers: {name: a, address: 127.0.0.1:9001}
                """);
        assertError(e, 5, 14, "pools[0].servers", "expected a list, got a mapping");
    }

    @Test
    void textWhereANumberBelongsIsAnError() {
        ConfigError e = single("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - name: web
                    retries: many
                    servers: [{name: a, address: 127.0.0.1:9001}]
                """);
        assertError(e, 5, 14, "pools[0].retries", "'many' (expected: a number)");
    }

    @Test
    void aFractionWhereAWholeNumberBelongsIsAnError() {
        ConfigError e = single("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001, weight: 1.5}]}
                """);
        assertError(e, 4, 70, "pools[0].servers[0].weight", "'1.5' (expected: a whole number)");
    }

    @Test
    void aListWhereAScalarBelongsIsAnError() {
        ConfigError e = single("""
                listeners:
                  - {name: web, bind: [127.0.0.1:8080], pool: web}
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
                """);
        assertError(e, 2, 23, "listeners[0].bind", "expected an address host:port, got a list");
    }

    @Test
    void onlyTrueAndFalseAreBooleans() {
        ConfigError e = single("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}, {name: b, address: 127.0.0.1:9002, backup: yes}]}
                """);
        assertError(e, 4, 106, "pools[0].servers[1].backup", "'yes' (expected: true or false)");
    }

    @Test
    void aBadAddressIsAnError() {
        ConfigError e = single("""
                listeners:
                  - {name: web, bind: "127.0.0.1", pool: web}
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
                """);
        assertError(e, 2, 23, "listeners[0].bind", "'127.0.0.1' (expected: host:port or [v6]:port)");
    }

    @Test
    void aBareNumberIsNotADuration() {
        ConfigError e = single("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
                timeouts:
                  connect: 30
                """);
        assertError(e, 6, 12, "timeouts.connect", "'30': missing unit (expected: a number and a unit ms, s, m, h or d");
    }

    @Test
    void aWrongEnumValueListsTheAllowedOnes() {
        List<ConfigError> errors = errors("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web, mode: HTTP}
                pools:
                  - name: web
                    algorithm: round_robbin
                    health: {type: https}
                    servers: [{name: a, address: 127.0.0.1:9001}]
                """);
        assertThat(errors).hasSize(3);
        assertError(errors.get(0), 2, 56, "listeners[0].mode", "'HTTP' (expected one of: http, tcp) (did you mean 'http'?)");
        assertError(errors.get(1), 5, 16, "pools[0].algorithm", "(expected one of: round_robin, weighted_round_robin, "
                + "least_connections, weighted_least_connections, least_response_time, random, power_of_two, "
                + "source_ip_hash, uri_hash, hash, resource_based) (did you mean 'round_robin'?)");
        assertError(errors.get(2), 6, 20, "pools[0].health.type", "'https' (expected one of: none, tcp, http)");
    }

    @Test
    void aBadNameIsReportedAtTheName() {
        ConfigError e = single("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - {name: web, servers: [{name: "web 1", address: 127.0.0.1:9001}]}
                """);
        assertError(e, 4, 34, "pools[0].servers[0].name", "'web 1' (expected: 1-64 of letters");
    }

    // ---- references and uniqueness

    @Test
    void anUnknownPoolIsReportedWhereItIsNamedWithASuggestion() {
        List<ConfigError> errors = errors("""
                listeners:
                  - name: web
                    bind: 127.0.0.1:8080
                    pool: wbe
                    routes:
                      - {path_prefix: /api/, pool: apis}
                  - name: l4
                    bind: 127.0.0.1:5432
                    mode: tcp
                    pool: db
                    sni_routes:
                      - {sni: db.example.com, pool: nothing-like-it}
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
                  - {name: api, servers: [{name: a, address: 127.0.0.1:9001}]}
                  - {name: db, servers: [{name: a, address: 127.0.0.1:9001}]}
                """);
        assertThat(errors).hasSize(3);
        assertError(errors.get(0), 4, 11, "listeners[0].pool", "no pool named 'wbe' (did you mean 'web'?); pools: web, api, db");
        assertError(errors.get(1), 6, 36, "listeners[0].routes[0].pool", "no pool named 'apis' (did you mean 'api'?)");
        assertError(errors.get(2), 12, 37, "listeners[1].sni_routes[0].pool", "no pool named 'nothing-like-it'; pools:");
    }

    @Test
    void listenerAndPoolAndServerNamesAreUnique() {
        List<ConfigError> errors = errors("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                  - {name: web, bind: 127.0.0.1:8081, pool: web}
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}, {name: a, address: 127.0.0.1:9002}]}
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
                """);
        assertThat(errors).hasSize(3);
        assertError(errors.get(0), 3, 12, "listeners[1].name", "'web' is already the name of listeners[0]");
        assertError(errors.get(1), 5, 70, "pools[0].servers[1].name", "'a' is already the name of pools[0].servers[0]");
        assertError(errors.get(2), 6, 12, "pools[1].name", "'web' is already the name of pools[0]");
    }

    @Test
    void twoListenersCannotBindTheSameAddress() {
        List<ConfigError> errors = errors("""
                admin: {bind: 127.0.0.1:9090}
                listeners:
                  - {name: a, bind: 0.0.0.0:8080, pool: web}
                  - {name: b, bind: 127.0.0.1:8080, pool: web}
                  - {name: c, bind: 127.0.0.1:9090, pool: web}
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
                """);
        assertThat(errors).hasSize(2);
        assertError(errors.get(0), 4, 21, "listeners[1].bind", "127.0.0.1:8080 is already bound by listener 'a' (listeners[0].bind)");
        assertError(errors.get(1), 5, 21, "listeners[2].bind", "127.0.0.1:9090 is already bound by admin");
    }

    @Test
    void aPoolNeedsAServerThatIsNotABackup() {
        ConfigError e = single("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - name: web
                    servers:
                      - {name: a, address: 127.0.0.1:9001, backup: true}
                """);
        assertError(e, 6, 7, "pools[0].servers", "every server is a backup");
    }

    // ---- hash keys

    @Test
    void theHashAlgorithmNeedsAHashKey() {
        ConfigError e = single("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - name: web
                    algorithm: hash
                    servers: [{name: a, address: 127.0.0.1:9001}]
                """);
        assertError(e, 5, 16, "pools[0].hash_key", "missing (required when algorithm is hash");
    }

    @Test
    void aHashKeyOnANonHashAlgorithmIsAnError() {
        ConfigError e = single("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - name: web
                    algorithm: least_connections
                    hash_key: source_ip
                    servers: [{name: a, address: 127.0.0.1:9001}]
                """);
        assertError(e, 6, 15, "pools[0].hash_key", "only for hash algorithms (algorithm is least_connections");
    }

    @Test
    void aMalformedHashKeyIsAnError() {
        ConfigError e = single("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - name: web
                    algorithm: hash
                    hash_key: "header:"
                    servers: [{name: a, address: 127.0.0.1:9001}]
                """);
        assertError(e, 6, 15, "pools[0].hash_key", "header name: empty (expected: header:NAME)");
    }

    @Test
    void anHttpHashKeyOnAPoolOfATcpListenerIsAnErrorAtTheHashKey() {
        ConfigError e = single("""
                listeners:
                  - {name: l4, bind: 127.0.0.1:5432, mode: tcp, pool: db}
                pools:
                  - name: db
                    algorithm: hash
                    hash_key: header:X-User
                    servers: [{name: a, address: 127.0.0.1:9001}]
                """);
        assertError(e, 6, 15, "pools[0].hash_key",
                "hash key 'header:x-user' needs HTTP, but pool 'db' is used by tcp listener 'l4' (listeners[0])");
    }

    @Test
    void uriHashOnAPoolOfATcpSniRouteIsAnErrorAtTheAlgorithm() {
        ConfigError e = single("""
                listeners:
                  - name: l4
                    bind: 127.0.0.1:8443
                    mode: tcp
                    pool: db
                    sni_routes: [{sni: a.example.com, pool: by-uri}]
                pools:
                  - {name: db, servers: [{name: a, address: 127.0.0.1:9001}]}
                  - {name: by-uri, algorithm: uri_hash, servers: [{name: a, address: 127.0.0.1:9001}]}
                """);
        assertError(e, 9, 31, "pools[1].algorithm", "hash key 'uri' needs HTTP, but pool 'by-uri' is used by tcp sni_route");
    }

    @Test
    void anHttpHashKeyIsFineForAnHttpListener() throws ConfigException {
        HalbConfig c = ConfigLoaderTest.parse("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - {name: web, algorithm: hash, hash_key: "cookie:SID", servers: [{name: a, address: 127.0.0.1:9001}]}
                """);
        assertThat(c.pools().get(0).effectiveHashKey()).contains(new HashKey.Cookie("SID"));
    }

    // ---- mode-specific keys

    @Test
    void routesAndTlsAreForHttpAndSniRoutesForTcp() {
        List<ConfigError> errors = errors("""
                listeners:
                  - name: l4
                    bind: 127.0.0.1:5432
                    mode: tcp
                    pool: web
                    routes: [{path_prefix: /, pool: web}]
                    tls: {certificates: [{cert: a.pem, key: a.key}]}
                  - name: web
                    bind: 127.0.0.1:8080
                    pool: web
                    sni_routes: [{sni: a.example.com, pool: web}]
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
                """);
        assertThat(errors).extracting(ConfigError::key, ConfigError::line).containsExactly(
                org.assertj.core.groups.Tuple.tuple("listeners[0].routes", 6),
                org.assertj.core.groups.Tuple.tuple("listeners[0].tls", 7),
                org.assertj.core.groups.Tuple.tuple("listeners[1].sni_routes", 11));
        assertThat(errors.get(0).message()).startsWith("only for mode http");
        assertThat(errors.get(2).message()).startsWith("only for mode tcp");
    }

    // ---- the file as a whole

    @Test
    void anEmptyFileIsAnError() {
        assertError(single(""), 1, 1, "", "the file is empty");
        assertError(single("# nothing but a comment\n"), 1, 1, "", "the file is empty");
    }

    @Test
    void aTopLevelListIsAnError() {
        assertError(single("- listeners\n- pools\n"), 1, 1, "", "expected a mapping at the top level");
    }

    @Test
    void aTopLevelScalarIsAnError() {
        assertError(single("hello\n"), 1, 1, "", "expected a mapping at the top level");
    }

    @Test
    void aSyntaxErrorReportsTheLineTheParserFoundIt() {
        ConfigError e = single("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools: [1, 2
                timeouts: {}
                """);
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.key()).isEmpty();
        assertThat(e.message()).startsWith("YAML syntax error: expected ',' or ']'")
                .contains("while parsing a flow sequence at line 3")
                .doesNotContain("\n");
    }

    @Test
    void aTabIndentIsASyntaxError() {
        ConfigError e = single("listeners:\n\t- name: web\n");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.message()).startsWith("YAML syntax error:").contains("TAB");
    }

    @Test
    void aSecondDocumentIsAnError() {
        List<ConfigError> errors = errors(ConfigLoaderTest.MINIMAL + "---\nfoo: 1\n");
        assertThat(errors).singleElement().satisfies(e -> assertError(e, 10, 1, "", "a second YAML document"));
    }

    @Test
    void aliasesAreRefused() {
        List<ConfigError> errors = errors("""
                listeners:
                  - {name: web, bind: &b 127.0.0.1:8080, pool: web}
                  - {name: web2, bind: *b, pool: web}
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
                """);
        assertThat(errors).singleElement().satisfies(e ->
                assertError(e, 3, 24, "listeners[1].bind", "YAML aliases (*b) are not supported"));
    }

    // ---- several at once

    @Test
    void everyErrorInAFileIsReportedInFileOrder() {
        List<ConfigError> errors = errors("""
                admin:
                  bind: localhost
                listeners:
                  - name: web
                    bind: 127.0.0.1:8080
                    pool: wbe
                    mode: http
                    timeout: 3s
                pools:
                  - name: web
                    algorithm: fastest
                    retries: 20
                    servers:
                      - {name: a, address: 127.0.0.1:9001, weight: 0}
                      - {name: b, address: "127.0.0.1:${B_PORT}"}
                timeouts:
                  connect: 3
                  server: 30s
                  server: 31s
                """);
        assertThat(errors).extracting(ConfigError::line, ConfigError::key).containsExactly(
                org.assertj.core.groups.Tuple.tuple(2, "admin.bind"),
                org.assertj.core.groups.Tuple.tuple(6, "listeners[0].pool"),
                org.assertj.core.groups.Tuple.tuple(8, "listeners[0].timeout"),
                org.assertj.core.groups.Tuple.tuple(11, "pools[0].algorithm"),
                org.assertj.core.groups.Tuple.tuple(12, "pools[0].retries"),
                org.assertj.core.groups.Tuple.tuple(14, "pools[0].servers[0].weight"),
                org.assertj.core.groups.Tuple.tuple(15, "pools[0].servers[1].address"),
                org.assertj.core.groups.Tuple.tuple(17, "timeouts.connect"),
                org.assertj.core.groups.Tuple.tuple(19, "timeouts.server"));
        assertThat(errors.get(6).message()).contains("B_PORT");
    }

    @Test
    void theExceptionMessageListsEveryErrorOnItsOwnLine() {
        ConfigException e = org.assertj.core.api.Assertions.catchThrowableOfType(() -> ConfigLoaderTest.parse("""
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web, colour: blue}
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001, weight: 999}]}
                """), ConfigException.class);
        assertThat(e.getMessage().split("\n")).containsExactly(
                "/etc/halb/halb.yaml:2:50: listeners[0].colour: unknown key; allowed here: name, bind, mode, pool, routes, tls, sni_routes, proxy_protocol, limits, h2c",
                "/etc/halb/halb.yaml:4:70: pools[0].servers[0].weight: 999 (expected: 1..256)");
    }
}

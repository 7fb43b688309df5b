package io.halb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.halb.config.ClusterConfig.ClusterMode;
import io.halb.config.ClusterConfig.VipConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    static final Path SOURCE = Path.of("/etc/halb/halb.yaml");

    /** DESIGN.md §3, verbatim. */
    static final String DESIGN_EXAMPLE = """
            admin:
              bind: 127.0.0.1:9090            # dashboard, REST API, /metrics
              token_file: admin.token         # bearer token required for every write; reads stay local-only
            listeners:
              - name: web
                bind: 0.0.0.0:8080
                mode: http                    # http | tcp
                pool: web                     # default pool
                routes:                       # http only; first match wins
                  - {host: api.example.com, path_prefix: /api/, pool: api}
                tls:                          # optional: terminate TLS here (http mode)
                  certificates:
                    - {cert: certs/site.pem, key: certs/site.key}   # picked by SNI from the names in the cert
              - name: passthrough
                bind: 0.0.0.0:8443
                mode: tcp
                pool: tls-default
                sni_routes:                   # tcp only: route raw TLS by ClientHello SNI, never decrypted
                  - {sni: "*.example.com", pool: tls-a}
            pools:
              - name: web
                algorithm: least_connections  # see the list below
                hash_key: source_ip           # for hash algorithms: source_ip | uri | header:NAME | cookie:NAME
                persistence: {type: cookie, cookie: HALB_SRV, ttl: 1h}   # none | cookie | source_ip
                health: {type: http, path: /healthz, expect_status: 200-399,
                         interval: 2s, timeout: 1s, rise: 2, fall: 3}     # none | tcp | http
                agent: {port: 9777, interval: 5s}                          # optional resource agent
                retries: 2
                servers:
                  - {name: web1, address: 10.0.0.11:8080, weight: 3}
                  - {name: web2, address: 10.0.0.12:8080}
                  - {name: sorry, address: 10.0.0.99:8080, backup: true}
            timeouts: {connect: 3s, header_read: 10s, client_idle: 60s, server: 30s}
            cluster:                          # optional; absent = a single node
              node: lb1
              bind: 198.18.0.11:7800
              peers: [198.18.0.12:7800]
              mode: active_standby            # active_standby | active_active
              priority: 100
              vips:
                - {address: 198.18.0.100/24, interface: eth0, driver: linux}   # driver: linux | exec | none
            """;

    static final String MINIMAL = """
            listeners:
              - name: web
                bind: 127.0.0.1:8080
                pool: web
            pools:
              - name: web
                servers:
                  - {name: a, address: 127.0.0.1:9001}
            """;

    static HalbConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, SOURCE, Map.of());
    }

    static List<ConfigError> errors(String yaml) {
        return errors(yaml, Map.of());
    }

    static List<ConfigError> errors(String yaml, Map<String, String> env) {
        ConfigException e = catchThrowableOfType(() -> ConfigLoader.parse(yaml, SOURCE, env), ConfigException.class);
        assertThat(e).as("expected a ConfigException").isNotNull();
        return e.errors();
    }

    /**
     * The DESIGN.md example names three pools it never defines and puts a hash_key on
     * least_connections; completed with those pools and a hash algorithm it must load.
     */
    static final String DESIGN_EXAMPLE_COMPLETED = DESIGN_EXAMPLE
            .replace("algorithm: least_connections", "algorithm: hash")
            .replace("timeouts: {", """
              - {name: api, servers: [{name: api1, address: 10.0.1.1:8080}]}
              - {name: tls-default, servers: [{name: t1, address: 10.0.2.1:443}]}
              - {name: tls-a, servers: [{name: a1, address: 10.0.3.1:443}]}
            timeouts: {""");

    @Test
    void loadsTheDesignExample() throws ConfigException {
        HalbConfig c = parse(DESIGN_EXAMPLE_COMPLETED);

        assertThat(c.source()).isEqualTo(SOURCE);
        assertThat(c.admin().bind()).isEqualTo(new HostPort("127.0.0.1", 9090));
        assertThat(c.admin().tokenFile()).contains(Path.of("/etc/halb/admin.token"));
        assertThat(c.eventLoops()).isZero();

        assertThat(c.listeners()).hasSize(2);
        ListenerConfig web = c.listener("web").orElseThrow();
        assertThat(web.bind()).isEqualTo(new HostPort("0.0.0.0", 8080));
        assertThat(web.mode()).isEqualTo(Mode.HTTP);
        assertThat(web.pool()).isEqualTo("web");
        assertThat(web.routes()).containsExactly(
                new RouteConfig(Optional.of("api.example.com"), Optional.of("/api/"), "api"));
        assertThat(web.tls()).contains(new TlsConfig(List.of(new TlsConfig.Certificate(
                Path.of("/etc/halb/certs/site.pem"), Path.of("/etc/halb/certs/site.key")))));
        assertThat(web.sniRoutes()).isEmpty();
        ListenerConfig passthrough = c.listener("passthrough").orElseThrow();
        assertThat(passthrough.mode()).isEqualTo(Mode.TCP);
        assertThat(passthrough.sniRoutes()).containsExactly(new SniRouteConfig("*.example.com", "tls-a"));
        assertThat(passthrough.tls()).isEmpty();

        PoolConfig pool = c.pool("web").orElseThrow();
        assertThat(pool.algorithm()).isEqualTo(Algorithm.HASH);
        assertThat(pool.hashKey()).contains(new HashKey.SourceIp());
        assertThat(pool.persistence()).isEqualTo(
                new PersistenceConfig(PersistenceConfig.Type.COOKIE, "HALB_SRV", Duration.ofHours(1)));
        assertThat(pool.health()).isEqualTo(new HealthConfig(HealthConfig.Type.HTTP, "/healthz",
                new HealthConfig.StatusRange(200, 399), Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3));
        assertThat(pool.agent()).contains(new AgentConfig(9777, Duration.ofSeconds(5)));
        assertThat(pool.retries()).isEqualTo(2);
        assertThat(pool.servers()).containsExactly(
                new ServerConfig("web1", HostPort.parse("10.0.0.11:8080"), 3, false),
                new ServerConfig("web2", HostPort.parse("10.0.0.12:8080"), 1, false),
                new ServerConfig("sorry", HostPort.parse("10.0.0.99:8080"), 1, true));
        assertThat(c.pools()).extracting(PoolConfig::name).containsExactly("web", "api", "tls-default", "tls-a");

        assertThat(c.timeouts()).isEqualTo(new Timeouts(Duration.ofSeconds(3), Duration.ofSeconds(10),
                Duration.ofSeconds(60), Duration.ofSeconds(30),
                Timeouts.DEFAULTS.upstreamIdle(), Timeouts.DEFAULTS.shutdown()));

        ClusterConfig cluster = c.cluster().orElseThrow();
        assertThat(cluster.node()).isEqualTo("lb1");
        assertThat(cluster.bind()).isEqualTo(HostPort.parse("198.18.0.11:7800"));
        assertThat(cluster.peers()).containsExactly(HostPort.parse("198.18.0.12:7800"));
        assertThat(cluster.mode()).isEqualTo(ClusterMode.ACTIVE_STANDBY);
        assertThat(cluster.priority()).isEqualTo(100);
        assertThat(cluster.preempt()).isTrue();
        assertThat(cluster.vips()).containsExactly(new VipConfig("198.18.0.100/24", "eth0", VipConfig.Driver.LINUX));
    }

    @Test
    void theDesignExampleAsWrittenReportsItsMissingPoolsAndMisplacedHashKey() {
        assertThat(errors(DESIGN_EXAMPLE)).extracting(ConfigError::key).containsExactly(
                "listeners[0].routes[0].pool", "listeners[1].pool", "listeners[1].sni_routes[0].pool",
                "pools[0].hash_key");
    }

    @Test
    void appliesDefaultsToAMinimalConfig() throws ConfigException {
        HalbConfig c = parse(MINIMAL);

        assertThat(c.admin()).isEqualTo(AdminConfig.defaults());
        assertThat(c.eventLoops()).isZero();
        assertThat(c.timeouts()).isEqualTo(Timeouts.DEFAULTS);
        assertThat(c.cluster()).isEmpty();
        ListenerConfig l = c.listeners().get(0);
        assertThat(l.mode()).isEqualTo(Mode.HTTP);
        assertThat(l.routes()).isEmpty();
        assertThat(l.tls()).isEmpty();
        assertThat(l.sniRoutes()).isEmpty();
        PoolConfig p = c.pools().get(0);
        assertThat(p.algorithm()).isEqualTo(Algorithm.ROUND_ROBIN);
        assertThat(p.hashKey()).isEmpty();
        assertThat(p.persistence()).isEqualTo(PersistenceConfig.NONE);
        assertThat(p.health()).isEqualTo(HealthConfig.NONE);
        assertThat(p.agent()).isEmpty();
        assertThat(p.retries()).isEqualTo(2);
        assertThat(p.servers()).containsExactly(new ServerConfig("a", HostPort.parse("127.0.0.1:9001"), 1, false));
    }

    @Test
    void appliesDefaultsInsideNestedMappings() throws ConfigException {
        HalbConfig c = parse("""
                event_loops: 4
                admin: {token_file: /run/secrets/halb}
                listeners:
                  - {name: web, bind: "[::1]:8080", pool: web}
                pools:
                  - name: web
                    algorithm: weighted_round_robin
                    persistence: {type: source_ip}
                    health: {type: tcp}
                    agent: {port: 9777}
                    servers: [{name: a, address: 127.0.0.1:9001, weight: 5, backup: false}]
                timeouts: {shutdown: 0s, upstream_idle: 1m30s}
                cluster: {node: lb1, bind: 127.0.0.1:7800, vips: [{address: 127.0.0.1, driver: none}]}
                """);

        assertThat(c.eventLoops()).isEqualTo(4);
        assertThat(c.admin()).isEqualTo(new AdminConfig(AdminConfig.DEFAULT_BIND, Optional.of(Path.of("/run/secrets/halb"))));
        assertThat(c.listeners().get(0).bind()).isEqualTo(new HostPort("::1", 8080));
        PoolConfig p = c.pools().get(0);
        assertThat(p.persistence()).isEqualTo(new PersistenceConfig(PersistenceConfig.Type.SOURCE_IP, "HALB_SRV", Duration.ofHours(1)));
        assertThat(p.health().type()).isEqualTo(HealthConfig.Type.TCP);
        assertThat(p.health().interval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.health().rise()).isEqualTo(2);
        assertThat(p.health().fall()).isEqualTo(3);
        assertThat(p.agent()).contains(new AgentConfig(9777, Duration.ofSeconds(5)));
        assertThat(p.servers().get(0).weight()).isEqualTo(5);
        assertThat(c.timeouts().shutdown()).isZero();
        assertThat(c.timeouts().upstreamIdle()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.timeouts().connect()).isEqualTo(Timeouts.DEFAULTS.connect());
        ClusterConfig cl = c.cluster().orElseThrow();
        assertThat(cl.peers()).isEmpty();
        assertThat(cl.mode()).isEqualTo(ClusterMode.ACTIVE_STANDBY);
        assertThat(cl.priority()).isEqualTo(100);
        assertThat(cl.preempt()).isTrue();
        assertThat(cl.vips()).containsExactly(new VipConfig("127.0.0.1", "", VipConfig.Driver.NONE));
    }

    @Test
    void everyAlgorithmIsAcceptedByItsYamlName() throws ConfigException {
        for (Algorithm a : Algorithm.values()) {
            String hashKey = a == Algorithm.HASH ? "    hash_key: header:X-User\n" : "";
            HalbConfig c = parse(MINIMAL.replace("  - name: web\n    servers:",
                    "  - name: web\n    algorithm: " + a.yamlName() + "\n" + hashKey + "    servers:"));
            assertThat(c.pools().get(0).algorithm()).isEqualTo(a);
        }
    }

    @Test
    void aTcpPoolMayHashBySourceIp() throws ConfigException {
        HalbConfig c = parse("""
                listeners:
                  - {name: l4, bind: 127.0.0.1:5432, mode: tcp, pool: db}
                pools:
                  - name: db
                    algorithm: hash
                    hash_key: source_ip
                    servers: [{name: a, address: 127.0.0.1:9001}]
                """);
        assertThat(c.pools().get(0).effectiveHashKey()).contains(new HashKey.SourceIp());
    }

    @Test
    void listenersOnPortZeroDoNotConflict() throws ConfigException {
        HalbConfig c = parse("""
                listeners:
                  - {name: a, bind: 127.0.0.1:0, pool: web}
                  - {name: b, bind: 127.0.0.1:0, pool: web}
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
                """);
        assertThat(c.listeners()).hasSize(2);
    }

    @Test
    void resolvesRelativePathsAgainstTheConfigFilesDirectory(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("conf/halb.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                admin: {token_file: secrets/admin.token}
                listeners:
                  - name: web
                    bind: 127.0.0.1:8443
                    pool: web
                    tls:
                      certificates:
                        - {cert: ../certs/site.pem, key: /abs/site.key}
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
                """);

        HalbConfig c = ConfigLoader.load(file, Map.of());

        Path conf = file.toAbsolutePath().getParent();
        assertThat(c.admin().tokenFile()).contains(conf.resolve("secrets/admin.token"));
        TlsConfig.Certificate cert = c.listeners().get(0).tls().orElseThrow().certificates().get(0);
        assertThat(cert.cert()).isEqualTo(dir.toAbsolutePath().resolve("certs/site.pem"));
        assertThat(cert.key()).isEqualTo(Path.of("/abs/site.key"));
    }

    @Test
    void resolvesRelativePathsOfARelativeSourceAgainstItsDirectory() throws ConfigException {
        HalbConfig c = ConfigLoader.parse(MINIMAL + "admin: {token_file: admin.token}\n",
                Path.of("conf/halb.yaml"), Map.of());
        assertThat(c.admin().tokenFile()).contains(Path.of("conf/admin.token").toAbsolutePath());
    }

    @Test
    void loadsAFileAndNamesItInErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("halb.yaml");
        // Inside a flow mapping {...} a value with braces must be quoted.
        Files.writeString(file, MINIMAL.replace("127.0.0.1:9001", "\"127.0.0.1:${PORT}\""));

        assertThat(ConfigLoader.load(file, Map.of("PORT", "9005")).pools().get(0).servers().get(0).address().port())
                .isEqualTo(9005);
        ConfigException e = catchThrowableOfType(() -> ConfigLoader.load(file, Map.of()), ConfigException.class);
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.file()).isEqualTo(file);
            assertThat(err.line()).isEqualTo(8);
            assertThat(err.key()).isEqualTo("pools[0].servers[0].address");
            assertThat(err.message()).contains("PORT");
        });
    }

    @Test
    void anUnreadableFileIsAnErrorWithoutAPosition(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");
        ConfigException e = catchThrowableOfType(() -> ConfigLoader.load(missing, Map.of()), ConfigException.class);
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.file()).isEqualTo(missing);
            assertThat(err.line()).isZero();
            assertThat(err.message()).contains("no such file");
            assertThat(err.toString()).isEqualTo(missing + ": no such file");
        });
        ConfigException dirError = catchThrowableOfType(() -> ConfigLoader.load(dir, Map.of()), ConfigException.class);
        assertThat(dirError.errors()).singleElement().extracting(ConfigError::line).isEqualTo(0);
    }

    @Test
    void theShippedExampleLoads() throws ConfigException {
        HalbConfig c = ConfigLoader.load(Path.of("../examples/halb.yaml"), Map.of());
        assertThat(c.listeners()).extracting(ListenerConfig::mode).contains(Mode.HTTP, Mode.TCP);
        assertThat(c.pools()).extracting(PoolConfig::algorithm)
                .contains(Algorithm.ROUND_ROBIN, Algorithm.WEIGHTED_ROUND_ROBIN);
    }

    @Test
    void theCompleteExampleOfTheConfigurationDocLoads() throws Exception {
        String doc = Files.readString(Path.of("../docs/configuration.md"));
        int start = doc.indexOf("```yaml\n", doc.indexOf("A complete file showing every key:")) + "```yaml\n".length();
        String yaml = doc.substring(start, doc.indexOf("```", start));

        HalbConfig c = ConfigLoader.parse(yaml, Path.of("/etc/halb/halb.yaml"), Map.of());

        assertThat(c.listeners()).hasSize(2);
        assertThat(c.pools()).hasSize(4);
        assertThat(c.cluster()).isPresent();
    }

    @Test
    void theErrorListIsInFileOrder() {
        List<ConfigError> errors = errors("""
                pools:
                  - name: web
                    retries: 99
                    servers: [{name: a, address: 127.0.0.1:9001, weight: 0}]
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: wbe}
                """);
        assertThat(errors).extracting(ConfigError::line).isSorted().hasSize(3);
    }

    @Test
    void rejectsNullArguments() {
        assertThatThrownBy(() -> ConfigLoader.parse(MINIMAL, null, Map.of())).isInstanceOf(NullPointerException.class);
    }
}

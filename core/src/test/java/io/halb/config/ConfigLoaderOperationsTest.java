package io.halb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keys of operations: {@code access_log}, {@code admin.state_file} and the admin token rules. */
class ConfigLoaderOperationsTest {

    private static final Path SOURCE = Path.of("/etc/halb/halb.yaml");

    private static HalbConfig parse(String top) throws ConfigException {
        return ConfigLoader.parse(top + """
                listeners:
                  - {name: web, bind: 127.0.0.1:8080, pool: web}
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9001}]}
                """, SOURCE, Map.of());
    }

    private static ConfigError single(String top) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse(top));
        assertThat(e).as("errors of%n%s", top).isNotNull();
        assertThat(e.errors()).as("errors of%n%s", top).hasSize(1);
        return e.errors().get(0);
    }

    // ---- access_log

    @Test
    void noAccessLogWhenTheKeyIsAbsent() throws ConfigException {
        assertThat(parse("").accessLog()).isEmpty();
    }

    @Test
    void accessLogPathResolvesAgainstTheConfigDirectoryAndFormatDefaultsToCombined() throws ConfigException {
        HalbConfig c = parse("access_log: {path: logs/access.log}\n");
        assertThat(c.accessLog()).contains(new AccessLogConfig(
                Optional.of(Path.of("/etc/halb/logs/access.log")), AccessLogConfig.Format.COMBINED));
    }

    @Test
    void accessLogToStdoutAsJson() throws ConfigException {
        HalbConfig c = parse("access_log: {path: stdout, format: json}\n");
        assertThat(c.accessLog()).contains(new AccessLogConfig(Optional.empty(), AccessLogConfig.Format.JSON));
    }

    @Test
    void accessLogAbsolutePathIsKept() throws ConfigException {
        HalbConfig c = parse("access_log:\n  path: /var/log/halb/access.log\n");
        assertThat(c.accessLog().orElseThrow().file()).contains(Path.of("/var/log/halb/access.log"));
    }

    @Test
    void accessLogNeedsAPath() {
        ConfigError e = single("access_log: {format: json}\n");
        assertThat(e.key()).isEqualTo("access_log.path");
        assertThat(e.message()).isEqualTo("missing (required)");
    }

    @Test
    void anUnknownAccessLogFormatListsTheKnownOnes() {
        ConfigError e = single("access_log: {path: stdout, format: clf}\n");
        assertThat(e.key()).isEqualTo("access_log.format");
        assertThat(e.line()).isEqualTo(1);
        assertThat(e.message()).contains("combined, json");
    }

    @Test
    void anUnknownAccessLogKeyIsAnError() {
        ConfigError e = single("access_log: {path: stdout, buffer: 64KiB}\n");
        assertThat(e.key()).isEqualTo("access_log.buffer");
        assertThat(e.message()).contains("allowed here: path, format");
    }

    // ---- admin.state_file

    @Test
    void stateFileResolvesAgainstTheConfigDirectory() throws ConfigException {
        AdminConfig admin = parse("admin: {state_file: state/admin.json}\n").admin();
        assertThat(admin.stateFile()).contains(Path.of("/etc/halb/state/admin.json"));
        assertThat(admin.tokenFile()).isEmpty();
    }

    @Test
    void noStateFileByDefault() throws ConfigException {
        assertThat(parse("").admin()).isEqualTo(AdminConfig.defaults());
        assertThat(AdminConfig.defaults().stateFile()).isEmpty();
        assertThat(new AdminConfig(AdminConfig.DEFAULT_BIND, Optional.empty()).stateFile()).isEmpty();
    }

    // ---- admin.bind and token_file

    @Test
    void aNonLoopbackAdminBindWithoutTokenFileIsAnErrorAtTheBind() {
        ConfigError e = single("""
                admin:
                  bind: 0.0.0.0:9090
                """);
        assertThat(e.key()).isEqualTo("admin.bind");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.column()).isEqualTo(9);
        assertThat(e.message()).isEqualTo("binding a non-loopback address needs token_file: "
                + "every request must then carry the bearer token");
    }

    @Test
    void aNonLoopbackAdminBindWithTokenFileIsAccepted() throws ConfigException {
        AdminConfig admin = parse("admin: {bind: 10.0.0.5:9090, token_file: admin.token}\n").admin();
        assertThat(admin.bind()).isEqualTo(new HostPort("10.0.0.5", 9090));
        assertThat(admin.tokenFile()).contains(Path.of("/etc/halb/admin.token"));
        assertThat(admin.loopbackOnly()).isFalse();
    }

    @Test
    void loopbackAdminBindsNeedNoToken() throws ConfigException {
        for (String bind : new String[] {"127.0.0.1:9090", "127.1.2.3:0", "\"[::1]:9090\"", "localhost:9090",
                "LOCALHOST:9090"}) {
            assertThat(parse("admin: {bind: " + bind + "}\n").admin().loopbackOnly()).as(bind).isTrue();
        }
    }

    @Test
    void namesAndAddressesThatOnlyLookLocalAreNotLoopback() {
        assertThat(AdminConfig.isLoopback("128.0.0.1")).isFalse();
        assertThat(AdminConfig.isLoopback("127.0.0.256")).isFalse();
        assertThat(AdminConfig.isLoopback("localhost.example.com")).isFalse();
        assertThat(AdminConfig.isLoopback("::")).isFalse();
        assertThat(AdminConfig.isLoopback("0.0.0.0")).isFalse();
        assertThat(AdminConfig.isLoopback("::ffff:10.0.0.1")).isFalse();
        assertThat(AdminConfig.isLoopback("0:0:0:0:0:0:0:1")).isTrue();
    }

    @Test
    void readTokenTrimsTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("admin.token");
        Files.writeString(file, "  s3cr3t-token\n", StandardCharsets.UTF_8);
        AdminConfig admin = new AdminConfig(AdminConfig.DEFAULT_BIND, Optional.of(file));
        assertThat(admin.readToken()).contains("s3cr3t-token");
        assertThat(AdminConfig.defaults().readToken()).isEmpty();
    }

    @Test
    void readTokenFailsClearlyWhenTheFileIsMissingOrEmpty(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope.token");
        assertThatThrownBy(() -> AdminConfig.readToken(missing))
                .isInstanceOf(IOException.class)
                .hasMessage("admin.token_file " + missing + ": no such file");
        Path empty = Files.writeString(dir.resolve("empty.token"), " \n");
        assertThatThrownBy(() -> AdminConfig.readToken(empty))
                .isInstanceOf(IOException.class)
                .hasMessage("admin.token_file " + empty + ": empty (expected: the bearer token)");
        Path twoWords = Files.writeString(dir.resolve("two.token"), "a b\n");
        assertThatThrownBy(() -> AdminConfig.readToken(twoWords))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("whitespace");
    }

    @Test
    void theOldConstructorOfHalbConfigMeansNoAccessLog() throws ConfigException {
        HalbConfig c = parse("");
        HalbConfig old = new HalbConfig(c.source(), c.admin(), c.eventLoops(), c.listeners(), c.pools(),
                c.timeouts(), c.cluster());
        assertThat(old).isEqualTo(c);
    }
}

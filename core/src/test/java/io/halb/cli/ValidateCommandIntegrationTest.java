package io.halb.cli;

import io.halb.testing.HalbProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code halb validate -c FILE}: exit 0 and a summary, or exit 1 and every error with file, line and key. */
class ValidateCommandIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void validFileExitsZeroWithASummary(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("good.yaml");
        Files.writeString(file, """
                listeners:
                  - {name: web, bind: "127.0.0.1:8080", pool: web}
                pools:
                  - name: web
                    servers:
                      - {name: a, address: "127.0.0.1:9001"}
                """);
        HalbProcess p = HalbProcess.run(dir, TIMEOUT, "validate", "-c", file.toString());
        assertThat(p.exitCode()).as("%s", p.output()).isZero();
        assertThat(p.stdout()).as("summary").isNotBlank();
    }

    @Test
    void fileWithTwoErrorsReportsBothWithLineAndKeyAndExitsOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, """
                event_loops: 2
                listeners:
                  - name: web
                    bind: "127.0.0.1:8080"
                    pool: web
                pools:
                  - name: web
                    algorithm: round_robbin
                    servers:
                      - {name: a, address: "127.0.0.1:9001", weight: 0}
                """);
        HalbProcess p = HalbProcess.run(dir, TIMEOUT, "validate", "-c", file.toString());
        assertThat(p.exitCode()).as("%s", p.output()).isEqualTo(1);
        String err = p.stderr();
        String at = Pattern.quote(file.toString());
        assertThat(err).as("the algorithm error").containsPattern(
                "(?m)^" + at + ":8:\\d+: pools\\[0]\\.algorithm: \\S.*$");
        assertThat(err).as("the weight error").containsPattern(
                "(?m)^" + at + ":10:\\d+: pools\\[0]\\.servers\\[0]\\.weight: \\S.*$");
    }

    @Test
    void missingFileExitsOneNamingIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("absent.yaml");
        HalbProcess p = HalbProcess.run(dir, TIMEOUT, "validate", "-c", file.toString());
        assertThat(p.exitCode()).as("%s", p.output()).isEqualTo(1);
        assertThat(p.stderr()).contains("absent.yaml");
    }
}

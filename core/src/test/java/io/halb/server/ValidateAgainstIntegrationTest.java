package io.halb.server;

import io.halb.cli.Main;
import io.halb.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code halb validate -c NEW --against FILE|URL}: what a new configuration would change. */
class ValidateAgainstIntegrationTest {

    @TempDir
    Path dir;

    private static String config(String admin, String algorithm, String... servers) {
        StringBuilder sb = new StringBuilder(admin).append("""
                listeners:
                  - {name: web, bind: "127.0.0.1:0", mode: http, pool: web}
                pools:
                  - name: web
                    algorithm: %s
                """.formatted(algorithm));
        if (algorithm.equals("hash")) {
            sb.append("    hash_key: header:x-user\n");
        }
        sb.append("    servers:\n");
        for (String s : servers) {
            sb.append("      - {name: ").append(s).append(", address: \"127.0.0.1:").append(9000 + s.hashCode() % 900).append("\"}\n");
        }
        return sb.toString();
    }

    private String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void printsServersAddedAndRemovedAndTheShareOfHashKeysThatMove() throws Exception {
        String[] ten = {"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"};
        String[] nine = {"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"};
        Path before = Files.writeString(dir.resolve("before.yaml"), config("", "hash", ten));
        Path after = Files.writeString(dir.resolve("after.yaml"), config("", "hash", nine));
        String[] r = run("validate", "-c", after.toString(), "--against", before.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("- pool web: server s9");
        // One of ten servers goes: about a tenth of the keys move (Maglev), never much more.
        String share = r[1].replaceAll("(?s).*pool web: ([0-9.]+)% of hash keys.*", "$1");
        assertThat(Double.parseDouble(share)).isBetween(8.0, 12.0);
    }

    @Test
    void comparesWithARunningHalbThroughItsAdminApi() throws Exception {
        Path running = Files.writeString(dir.resolve("running.yaml"), config("admin: {bind: \"127.0.0.1:0\"}\n", "round_robin", "a", "b"));
        try (Halb halb = Halb.start(ConfigLoader.load(running, Map.of()))) {
            Path next = Files.writeString(dir.resolve("next.yaml"), config("", "least_connections", "a", "c"));
            String url = "http://127.0.0.1:" + halb.adminAddress().orElseThrow().getPort();
            String[] r = run("validate", "-c", next.toString(), "--against", url);
            assertThat(r[0]).as(r[2]).isEqualTo("0");
            assertThat(r[1]).contains("~ pool web: algorithm round_robin -> least_connections",
                    "+ pool web: server c", "- pool web: server b");
        }
    }
}

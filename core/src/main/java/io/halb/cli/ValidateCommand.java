package io.halb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.halb.config.AdminConfig;
import io.halb.config.HalbConfig;
import io.halb.server.TopologyDiff;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code halb validate -c FILE [--against FILE|URL]}: exit 0 and a summary, or exit 1 and every
 * error. With {@code --against}, also what the file would change in another configuration or in a
 * running halb (its admin URL).
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a configuration file without running it: every error with file, line and key.")
final class ValidateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "the YAML configuration")
    Path config;

    @Option(names = "--against", paramLabel = "FILE|URL",
            description = "print what would change against this configuration file or running halb (admin URL, e.g. http://127.0.0.1:9090)")
    String against;

    @Option(names = "--token-file", paramLabel = "FILE", description = "bearer token for --against URL")
    Path tokenFile;

    @Override
    public Integer call() {
        HalbConfig cfg = ConfigFiles.loadOrReport(config, spec.commandLine().getErr());
        if (cfg == null) {
            return 1;
        }
        if (against != null) {
            return diff(cfg);
        }
        int servers = cfg.pools().stream().mapToInt(p -> p.servers().size()).sum();
        spec.commandLine().getOut().printf("%s: valid: %d listener(s), %d pool(s), %d server(s)%n",
                config, cfg.listeners().size(), cfg.pools().size(), servers);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private int diff(HalbConfig next) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TopologyDiff.Topology before;
        try {
            before = against.startsWith("http://") || against.startsWith("https://") ? running(against) : file(Path.of(against));
        } catch (IOException | InterruptedException e) {
            err.println("--against " + against + ": " + e.getMessage());
            err.flush();
            return 1;
        }
        if (before == null) {
            return 1;
        }
        List<String> changes = TopologyDiff.describe(before, TopologyDiff.Topology.of(next));
        out.printf("%s against %s: %s%n", config, against, changes.isEmpty() ? "no change" : changes.size() + " change(s)");
        changes.forEach(out::println);
        out.flush();
        return 0;
    }

    private TopologyDiff.Topology file(Path path) {
        HalbConfig cfg = ConfigFiles.loadOrReport(path, spec.commandLine().getErr());
        return cfg == null ? null : TopologyDiff.Topology.of(cfg);
    }

    /** The topology of a running halb, from its admin API's listener and pool views. */
    private TopologyDiff.Topology running(String url) throws IOException, InterruptedException {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        String token = tokenFile == null ? null : AdminConfig.readToken(tokenFile);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        ObjectMapper json = new ObjectMapper();
        JsonNode listeners = json.readTree(get(http, base + "/api/v1/listeners", token));
        JsonNode pools = json.readTree(get(http, base + "/api/v1/pools", token));
        List<TopologyDiff.ListenerShape> ls = new ArrayList<>();
        for (JsonNode l : listeners) {
            // A running halb reports the bound address, not the configured one: binds are not compared.
            ls.add(new TopologyDiff.ListenerShape(l.path("name").asText(), "", l.path("mode").asText(), l.path("pool").asText()));
        }
        List<TopologyDiff.PoolShape> ps = new ArrayList<>();
        for (JsonNode p : pools) {
            List<TopologyDiff.Server> servers = new ArrayList<>();
            for (JsonNode sv : p.path("servers")) {
                servers.add(new TopologyDiff.Server(sv.path("name").asText(), sv.path("address").asText(),
                        sv.path("base_weight").asInt(1), sv.path("backup").asBoolean()));
            }
            ps.add(new TopologyDiff.PoolShape(p.path("name").asText(), p.path("algorithm").asText(), servers));
        }
        return new TopologyDiff.Topology(ls, ps);
    }

    private static String get(HttpClient http, String url, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + url + ": " + r.statusCode() + " " + r.body().strip());
        }
        return r.body();
    }
}

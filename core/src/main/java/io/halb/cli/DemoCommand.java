package io.halb.cli;

import io.halb.config.ConfigException;
import io.halb.config.ConfigLoader;
import io.halb.config.HalbConfig;
import io.halb.demo.DemoBackend;
import io.halb.proxy.Transport;
import io.halb.server.Halb;
import io.netty.channel.EventLoopGroup;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code halb demo}: three demo backends and halb in front of them, in one process, on loopback.
 * The configuration goes through the same loader as a file would.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start a ready-made demo: halb on 127.0.0.1:8080 in front of three demo backends.")
final class DemoCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", defaultValue = "8080", description = "halb's port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--backend-port", defaultValue = "9001",
            description = "the first demo backend's port; the others follow (default: ${DEFAULT-VALUE})")
    int backendPort;

    @Option(names = "--admin-port", defaultValue = "9090", description = "dashboard and API port (default: ${DEFAULT-VALUE})")
    int adminPort;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Transport transport = Transport.best();
        EventLoopGroup backendLoops = transport.newGroup(1, "demo-backend");
        List<DemoBackend> backends = new ArrayList<>();
        Halb halb = null;
        try {
            for (int i = 0; i < 3; i++) {
                // demo-3 is the slow one: it shows what least_response_time and timeouts do.
                Duration delay = i == 2 ? Duration.ofMillis(150) : Duration.ZERO;
                backends.add(DemoBackend.start(backendLoops, transport.serverChannel(), "demo-" + (i + 1),
                        "127.0.0.1", backendPort + i, delay));
            }
            halb = Halb.start(config());
            out.printf("""

                    halb demo is running: 127.0.0.1:%1$d in front of three backends
                      demo-1 127.0.0.1:%2$d, demo-2 127.0.0.1:%3$d, demo-3 127.0.0.1:%4$d (answers 150 ms later)
                    Dashboard: http://127.0.0.1:%5$d/dashboard/   API: http://127.0.0.1:%5$d/api/v1/pools   metrics: /metrics

                    Try:
                      curl http://127.0.0.1:%1$d/                     # answered in turn by demo-1, demo-2, demo-3
                      for i in $(seq 6); do curl -s http://127.0.0.1:%1$d/; done
                      curl -i http://127.0.0.1:%1$d/api/                # the /api/ route: the weighted pool (3:1)
                      curl -s -o /dev/null -w '%%{time_total}s\\n' http://127.0.0.1:%1$d/
                      curl -X PUT -d '{"state":"drain"}' http://127.0.0.1:%5$d/api/v1/pools/demo/servers/demo-1/state
                                                                        # drain demo-1: the next requests skip it

                    Ctrl-C stops it.
                    """, port, backendPort, backendPort + 1, backendPort + 2, adminPort);
            out.flush();
            StopSignals.awaitStop();
            return 0;
        } finally {
            if (halb != null) {
                halb.stop(Duration.ofSeconds(2));
            }
            for (DemoBackend b : backends) {
                b.close();
            }
            backendLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private HalbConfig config() throws ConfigException {
        String yaml = """
                admin: {bind: 127.0.0.1:%4$d}
                listeners:
                  - name: demo
                    bind: 127.0.0.1:%1$d
                    mode: http
                    pool: demo
                    routes:
                      - {path_prefix: /api/, pool: demo-weighted}
                pools:
                  - name: demo
                    algorithm: round_robin
                    health: {type: http, path: /healthz, interval: 1s, timeout: 500ms}
                    servers:
                      - {name: demo-1, address: 127.0.0.1:%2$d}
                      - {name: demo-2, address: 127.0.0.1:%3$d}
                      - {name: demo-3, address: 127.0.0.1:%5$d}
                  - name: demo-weighted
                    algorithm: weighted_round_robin
                    servers:
                      - {name: demo-1, address: 127.0.0.1:%2$d, weight: 3}
                      - {name: demo-2, address: 127.0.0.1:%3$d, weight: 1}
                timeouts: {connect: 1s, server: 5s, shutdown: 2s}
                """.formatted(port, backendPort, backendPort + 1, adminPort, backendPort + 2);
        return ConfigLoader.parse(yaml, Path.of("<demo>"), Map.of());
    }
}

package io.halb.cli;

import io.halb.config.HalbConfig;
import io.halb.server.Halb;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code halb run -c FILE}: serve until SIGTERM or SIGINT, then stop gracefully and exit 0. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the load balancer.")
final class RunCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "the YAML configuration")
    Path config;

    @Override
    public Integer call() throws Exception {
        HalbConfig cfg = ConfigFiles.loadOrReport(config, spec.commandLine().getErr());
        if (cfg == null) {
            return 1;
        }
        Halb halb;
        try {
            halb = Halb.start(cfg);
        } catch (Exception e) {
            log.error("cannot start: {}", e.toString());
            return 1;
        }
        log.info("halb ready ({}); SIGHUP reloads it, SIGUSR1 reopens the access log", config);
        StopSignals.awaitStop(() -> {
            log.info("SIGHUP: reloading {}", config);
            halb.reloadFromFile();
        }, halb::reopenLogs);
        log.info("stopping: finishing in-flight requests (up to {} ms)", cfg.timeouts().shutdown().toMillis());
        halb.stop(cfg.timeouts().shutdown());
        log.info("stopped");
        return 0;
    }
}

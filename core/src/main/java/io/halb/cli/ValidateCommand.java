package io.halb.cli;

import io.halb.config.HalbConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code halb validate -c FILE}: exit 0 and a summary, or exit 1 and every error. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a configuration file without running it: every error with file, line and key.")
final class ValidateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "the YAML configuration")
    Path config;

    @Override
    public Integer call() {
        HalbConfig cfg = ConfigFiles.loadOrReport(config, spec.commandLine().getErr());
        if (cfg == null) {
            return 1;
        }
        int servers = cfg.pools().stream().mapToInt(p -> p.servers().size()).sum();
        spec.commandLine().getOut().printf("%s: valid: %d listener(s), %d pool(s), %d server(s)%n",
                config, cfg.listeners().size(), cfg.pools().size(), servers);
        spec.commandLine().getOut().flush();
        return 0;
    }
}

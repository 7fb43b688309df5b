package io.halb.cli;

import io.halb.agent.AgentOptions;
import io.halb.agent.ProcMetrics;
import io.halb.agent.ResourceAgent;
import io.halb.agent.WeightFormula;
import io.halb.config.Durations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/**
 * {@code halb agent}: the resource agent for backend machines. Answers HAProxy's agent-check
 * protocol until SIGTERM or SIGINT. Exit codes: 0 after a signal, 1 when it cannot start.
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Run the resource agent on a backend machine: answers halb's (and HAProxy's) agent checks "
                + "with a weight from idle CPU, available memory and sessions, e.g. \"up 73%%\".")
final class AgentCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(AgentCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", defaultValue = "9777", paramLabel = "PORT", description = "port to listen on (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--bind", defaultValue = "0.0.0.0", paramLabel = "ADDRESS",
            description = "address to listen on (default: ${DEFAULT-VALUE})")
    String bind;

    @Option(names = "--session-port", paramLabel = "N",
            description = "count established TCP connections to this local port as sessions")
    Integer sessionPort;

    @Option(names = "--max-sessions", defaultValue = "1000", paramLabel = "N",
            description = "sessions at which the sessions signal reaches 0%% (default: ${DEFAULT-VALUE})")
    int maxSessions;

    @Option(names = "--cpu-share", defaultValue = "1", paramLabel = "W",
            description = "weight of idle CPU in the mean (default: ${DEFAULT-VALUE})")
    double cpuShare;

    @Option(names = "--memory-share", defaultValue = "1", paramLabel = "W",
            description = "weight of available memory in the mean (default: ${DEFAULT-VALUE})")
    double memoryShare;

    @Option(names = "--session-share", defaultValue = "1", paramLabel = "W",
            description = "weight of free session capacity in the mean; needs --session-port (default: ${DEFAULT-VALUE})")
    double sessionShare;

    @Option(names = "--interval", defaultValue = "1s", paramLabel = "DURATION",
            description = "how often to sample CPU, memory, sessions and the state file (default: ${DEFAULT-VALUE})")
    String interval;

    @Option(names = "--state-file", paramLabel = "FILE",
            description = "a file holding a state word to announce: up, ready, drain, maint or down "
                    + "(e.g. echo drain > FILE); absent or empty means up")
    Path stateFile;

    @Override
    public Integer call() throws Exception {
        AgentOptions options;
        try {
            Duration every = parseInterval(interval);
            if (sessionPort != null && (sessionPort < 1 || sessionPort > 65535)) {
                throw new IllegalArgumentException("--session-port: " + sessionPort + " (expected: 1..65535)");
            }
            WeightFormula formula = new WeightFormula(cpuShare, memoryShare, sessionShare, maxSessions, sessionPort != null);
            options = new AgentOptions(bind, port, formula, every, Optional.ofNullable(stateFile));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        ProcMetrics metrics;
        ResourceAgent agent;
        try {
            metrics = ProcMetrics.open(sessionPort == null ? OptionalInt.empty() : OptionalInt.of(sessionPort));
            agent = ResourceAgent.start(options, metrics);
        } catch (Exception e) {
            log.error("cannot start the agent: {}", e.toString());
            return 1;
        }
        WeightFormula f = options.formula();
        log.info("resource agent on {}: weight from cpu idle x{}, memory available x{}{}{}; now \"{}\"",
                agent.address(), f.cpuShare(), f.memoryShare(),
                f.watchSessions() ? ", free sessions of port " + sessionPort + " (max " + maxSessions + ") x" + f.sessionShare() : "",
                options.stateFile().map(p -> "; state file " + p).orElse(""), agent.reply());
        try {
            StopSignals.awaitStop();
        } finally {
            agent.close();
        }
        log.info("agent stopped");
        return 0;
    }

    private static Duration parseInterval(String text) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--interval: " + e.getMessage(), e);
        }
    }
}

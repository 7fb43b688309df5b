package io.halb.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code halb} command. Exit codes: 0 success, 1 invalid configuration or failure to start,
 * 2 wrong usage.
 */
@Command(name = "halb",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "A high-availability load balancer: HTTP and TCP proxying, health checks, virtual IPs.",
        subcommands = {RunCommand.class, ValidateCommand.class, DemoCommand.class, AgentCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: run, validate, demo or agent");
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"halb " + (v == null ? "dev" : v)};
        }
    }
}

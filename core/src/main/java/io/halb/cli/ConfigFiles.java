package io.halb.cli;

import io.halb.config.ConfigError;
import io.halb.config.ConfigException;
import io.halb.config.ConfigLoader;
import io.halb.config.HalbConfig;
import io.halb.server.FeatureGate;

import java.io.PrintWriter;
import java.nio.file.Path;

/** Loading a configuration for a command, printing every error the way an editor can jump to. */
final class ConfigFiles {

    private ConfigFiles() {}

    /**
     * The loaded configuration, or {@code null} after printing every error to {@code err}: errors of
     * the file itself, then what it asks for that this build cannot do. Warnings are printed too.
     */
    static HalbConfig loadOrReport(Path file, PrintWriter err) {
        HalbConfig config;
        try {
            config = ConfigLoader.load(file);
        } catch (ConfigException e) {
            for (ConfigError error : e.errors()) {
                err.println(error);
            }
            err.println(count(e.errors().size()));
            err.flush();
            return null;
        }
        FeatureGate.Findings findings = FeatureGate.check(config);
        for (String warning : findings.warnings()) {
            err.println("warning: " + warning);
        }
        for (String error : findings.errors()) {
            err.println(error);
        }
        if (!findings.errors().isEmpty()) {
            err.println(count(findings.errors().size()));
        }
        err.flush();
        return findings.errors().isEmpty() ? config : null;
    }

    private static String count(int errors) {
        return errors == 1 ? "1 error" : errors + " errors";
    }
}

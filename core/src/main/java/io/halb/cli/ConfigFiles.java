package io.halb.cli;

import io.halb.config.ConfigError;
import io.halb.config.ConfigException;
import io.halb.config.ConfigLoader;
import io.halb.config.HalbConfig;

import java.io.PrintWriter;
import java.nio.file.Path;

/** Loading a configuration for a command, printing every error the way an editor can jump to. */
final class ConfigFiles {

    private ConfigFiles() {}

    /** The loaded configuration, or {@code null} after printing every error to {@code err}. */
    static HalbConfig loadOrReport(Path file, PrintWriter err) {
        try {
            return ConfigLoader.load(file);
        } catch (ConfigException e) {
            for (ConfigError error : e.errors()) {
                err.println(error);
            }
            err.println(e.errors().size() == 1 ? "1 error" : e.errors().size() + " errors");
            err.flush();
            return null;
        }
    }
}

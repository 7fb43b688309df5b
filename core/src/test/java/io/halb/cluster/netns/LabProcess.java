package io.halb.cluster.netns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A process of the lab (halb node, backend, client), its output in a file for failure messages. */
final class LabProcess {

    private final String label;
    private final Process process;
    private final Path output;

    private LabProcess(String label, Process process, Path output) {
        this.label = label;
        this.process = process;
        this.output = output;
    }

    static LabProcess start(Path dir, String label, List<String> command) throws IOException {
        Path out = Files.createTempFile(dir, label + "-", ".out");
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        return new LabProcess(label, p, out);
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM ({@code ip netns exec} execs the JVM, so the signal reaches it). */
    void sigterm() {
        process.destroy();
    }

    int awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError(label + " still running after " + seconds + " s\n" + output());
        }
        return process.exitValue();
    }

    String output() {
        try {
            return "--- " + label + " ---\n" + Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<String> lines() {
        try {
            return Files.readAllLines(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.halb.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * halb's command line ({@code io.halb.cli.Main}) run as a real child JVM on this test run's class
 * path, its output going to files so that a failing test can show it.
 *
 * <p>Not thread-safe: owned by one test. Closing it kills the process if it is still running.
 */
public final class HalbProcess implements AutoCloseable {

    private static final String MAIN = "io.halb.cli.Main";

    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private HalbProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts {@code Main} with {@code args}; output goes to files in {@code dir}. */
    public static HalbProcess start(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dio.netty.leakDetection.level=simple",
                "-cp", System.getProperty("java.class.path"),
                MAIN));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "halb-", ".out");
        Path err = Files.createTempFile(dir, "halb-", ".err");
        Process p = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        return new HalbProcess(p, out, err);
    }

    /** Runs {@code Main} with {@code args} to the end (at most {@code timeout}) and returns its exit code. */
    public static HalbProcess run(Path dir, Duration timeout, String... args) throws IOException, InterruptedException {
        HalbProcess p = start(dir, args);
        if (!p.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.close();
            throw new AssertionError("halb " + String.join(" ", args) + " did not finish within " + timeout
                    + "\n" + p.output());
        }
        return p;
    }

    /** A port that was free a moment ago (for a child whose port must be known in advance). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Waits until something accepts connections at {@code address}, failing early if the process died. */
    public void awaitListening(InetSocketAddress address, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("halb exited with " + process.exitValue() + " before listening\n" + output());
            }
            try (Socket s = new Socket()) {
                s.connect(address, 200);
                return true;
            }
        });
    }

    public Process process() {
        return process;
    }

    /** Sends SIGTERM (on Linux {@link Process#destroy()} does). */
    public void sigterm() {
        process.destroy();
    }

    /** Waits for the process to end and returns its exit code; fails after {@code timeout}. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("halb still running after " + timeout + "\n" + output());
        }
        return process.exitValue();
    }

    public int exitCode() {
        return process.exitValue();
    }

    public String stdout() {
        return read(stdout);
    }

    public String stderr() {
        return read(stderr);
    }

    /** Both outputs, labelled, for failure messages. */
    public String output() {
        return "--- stdout ---\n" + stdout() + "--- stderr ---\n" + stderr();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

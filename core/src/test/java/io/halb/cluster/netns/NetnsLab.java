package io.halb.cluster.netns;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces that a test creates for itself: one namespace per host, each with an
 * {@code eth0} in 198.18.0.0/24 plugged into a bridge that lives in a namespace of its own, so the
 * host's real interfaces and routes are never touched. Every namespace is named with
 * {@value #PREFIX}; stale ones from an earlier, crashed run are deleted first.
 *
 * <p>Not thread-safe: owned by one test class.
 */
final class NetnsLab implements AutoCloseable {

    static final String PREFIX = "halbt-";
    private static final String BRIDGE_NS = PREFIX + "br";

    private final Map<String, String> hosts = new LinkedHashMap<>();
    private final List<LabProcess> processes = new ArrayList<>();
    private final Path dir;

    private NetnsLab(Path dir) {
        this.dir = dir;
    }

    /**
     * Fails (with CI=true) or skips the test when this machine cannot run the lab: it needs root,
     * {@code ip} (iproute2), {@code arping} (iputils-arping) and {@code curl}.
     */
    static void requireLab() {
        String missing = null;
        if (!"root".equals(System.getProperty("user.name"))) {
            missing = "root (network namespaces)";
        } else {
            for (String tool : List.of("ip", "arping", "curl")) {
                if (!onPath(tool)) {
                    missing = "'" + tool + "' on the PATH";
                    break;
                }
            }
        }
        if (missing == null && run(List.of("ip", "netns", "add", PREFIX + "probe")).code() != 0) {
            missing = "permission to create network namespaces";
        }
        run(List.of("ip", "netns", "del", PREFIX + "probe"));
        if (missing != null) {
            String message = "the network-namespace cluster tests need " + missing;
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(message + " (CI=true: failing instead of skipping; .ci/run installs iproute2, iputils-arping and curl)");
            }
            Assumptions.abort(message);
        }
    }

    /** Creates the bridge and one namespace per host ({@code name -> 198.18.0.N}). */
    static NetnsLab create(Path dir, Map<String, String> hostAddresses) {
        deleteStale();
        NetnsLab lab = new NetnsLab(dir);
        try {
            sh("ip", "netns", "add", BRIDGE_NS);
            sh("ip", "-n", BRIDGE_NS, "link", "add", "br0", "type", "bridge");
            sh("ip", "-n", BRIDGE_NS, "link", "set", "br0", "up");
            for (Map.Entry<String, String> h : hostAddresses.entrySet()) {
                String ns = PREFIX + h.getKey();
                sh("ip", "netns", "add", ns);
                sh("ip", "-n", BRIDGE_NS, "link", "add", port(h.getKey()), "type", "veth", "peer", "name", "eth0", "netns", ns);
                sh("ip", "-n", BRIDGE_NS, "link", "set", port(h.getKey()), "master", "br0", "up");
                sh("ip", "-n", ns, "link", "set", "lo", "up");
                sh("ip", "-n", ns, "addr", "add", h.getValue() + "/24", "dev", "eth0");
                sh("ip", "-n", ns, "link", "set", "eth0", "up");
                lab.hosts.put(h.getKey(), h.getValue());
            }
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    private static String port(String host) {
        return "v-" + host;
    }

    /** The namespace of {@code host}. */
    static String ns(String host) {
        return PREFIX + host;
    }

    /**
     * Cuts the host off somewhere in the network: its port leaves the bridge, so packets to and from
     * it vanish without FIN, RST or a carrier change on its own interface (a dead host, as seen from
     * the others).
     */
    void cut(String host) {
        sh("ip", "-n", BRIDGE_NS, "link", "set", port(host), "nomaster");
    }

    /** Connects the host again. */
    void heal(String host) {
        sh("ip", "-n", BRIDGE_NS, "link", "set", port(host), "master", "br0");
    }

    /** The IPv4 addresses on the host's eth0 (without prefix lengths). */
    List<String> addresses(String host) {
        Result r = run(List.of("ip", "-n", ns(host), "-4", "-o", "addr", "show", "dev", "eth0"));
        List<String> out = new ArrayList<>();
        for (String line : r.output().split("\n")) {
            int i = line.indexOf(" inet ");
            if (i >= 0) {
                String a = line.substring(i + 6).trim();
                out.add(a.substring(0, a.indexOf('/')));
            }
        }
        return out;
    }

    /** GETs {@code url} with curl from inside the host's namespace; the body, or "" on failure. */
    String curl(String host, String url) {
        return run(List.of("ip", "netns", "exec", ns(host), "curl", "-s", "-m", "2", url)).output();
    }

    /** Starts {@code java -cp <test class path> MAIN ARGS} inside the host's namespace. */
    LabProcess java(String host, String label, String main, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns(host),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-Dio.netty.leakDetection.level=disabled",
                "-cp", System.getProperty("java.class.path"), main));
        command.addAll(List.of(args));
        LabProcess p = LabProcess.start(dir, label, command);
        processes.add(p);
        return p;
    }

    /** Kills the processes started since {@code keep} of them were running (a test's nodes and client). */
    void killAllBut(int keep) {
        while (processes.size() > keep) {
            processes.remove(processes.size() - 1).kill();
        }
    }

    int processCount() {
        return processes.size();
    }

    /** Kills every process it started, then deletes every namespace. Safe to call twice. */
    @Override
    public void close() {
        for (LabProcess p : processes) {
            p.kill();
        }
        processes.clear();
        deleteStale();
    }

    /** Deletes every namespace with the prefix, killing what still runs in it. */
    static void deleteStale() {
        Result list = run(List.of("ip", "netns", "list"));
        for (String line : list.output().split("\n")) {
            String name = line.trim().split("\\s+")[0];
            if (name.startsWith(PREFIX)) {
                Result pids = run(List.of("ip", "netns", "pids", name));
                for (String pid : pids.output().split("\\s+")) {
                    if (!pid.isBlank()) {
                        run(List.of("kill", "-9", pid.trim()));
                    }
                }
                run(List.of("ip", "netns", "del", name));
            }
        }
    }

    record Result(int code, String output) {}

    static void sh(String... command) {
        Result r = run(List.of(command));
        if (r.code() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + r.code() + ": " + r.output());
        }
    }

    static Result run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d.isEmpty() ? "." : d, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }
}

package io.halb.testing;

import io.halb.config.ConfigException;
import io.halb.config.ConfigLoader;
import io.halb.config.HalbConfig;
import io.halb.server.Halb;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A running halb built from a YAML template whose {@code {{name}}} placeholders are replaced by the
 * addresses of the test's backends. Listeners should bind {@code 127.0.0.1:0}; {@link #address}
 * tells where they ended up. Closing it stops halb at once, then fails if, while it ran, anything
 * logged an unexpected exception (see {@link LogCapture}): halb answering right but throwing from a
 * listener or leaving an exception at the end of a pipeline is still a bug.
 *
 * <p>Not thread-safe: owned by one test.
 */
public final class HalbFixture implements AutoCloseable {

    /** Where the configuration is said to come from, in error messages. */
    public static final Path SOURCE = Path.of("halb-test.yaml");

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Za-z0-9_.-]+)}}");

    private final HalbConfig config;
    private final Halb halb;
    private final LogCapture log;

    private HalbFixture(HalbConfig config, Halb halb, LogCapture log) {
        this.config = config;
        this.halb = halb;
        this.log = log;
    }

    /**
     * Renders {@code template} with {@code vars} and starts halb on it. A value may be a
     * {@link TestBackend}, a {@link TcpEchoBackend} or an {@link InetSocketAddress} (each rendered as
     * {@code 127.0.0.1:port}) or anything else (rendered with {@code toString}).
     */
    public static HalbFixture start(String template, Map<String, ?> vars) throws Exception {
        String yaml = render(template, vars);
        HalbConfig config;
        try {
            config = ConfigLoader.parse(yaml, SOURCE, System.getenv());
        } catch (ConfigException e) {
            throw new AssertionError("test configuration rejected:\n" + e.getMessage() + "\n---\n" + numbered(yaml), e);
        }
        LogCapture log = LogCapture.unexpectedExceptions();
        try {
            return new HalbFixture(config, Halb.start(config), log);
        } catch (Exception | Error e) {
            log.close();
            throw e;
        }
    }

    /** Starts halb on a template without placeholders. */
    public static HalbFixture start(String yaml) throws Exception {
        return start(yaml, Map.of());
    }

    /**
     * A configuration with an http listener {@code web} on 127.0.0.1:0 whose default pool {@code web}
     * holds {@code backends} (weight 1 each, no health checks), two event loops, and short timeouts.
     */
    public static String httpTemplate(String algorithm, int retries, TestBackend... backends) {
        String servers = Arrays.stream(backends)
                .map(b -> "      - {name: " + b.name() + ", address: \"" + b.hostPort() + "\"}")
                .collect(Collectors.joining("\n"));
        return """
                event_loops: 2
                admin: {bind: "127.0.0.1:0"}
                listeners:
                  - {name: web, bind: "127.0.0.1:0", mode: http, pool: web}
                pools:
                  - name: web
                    algorithm: %s
                    health: {type: none}
                    retries: %d
                    servers:
                %s
                timeouts: {connect: 2s, header_read: 10s, client_idle: 30s, server: 20s, upstream_idle: 30s, shutdown: 5s}
                """.formatted(algorithm, retries, servers);
    }

    /** Replaces every {@code {{name}}}; fails on a placeholder without a value. */
    public static String render(String template, Map<String, ?> vars) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            Object v = vars.get(m.group(1));
            if (v == null) {
                throw new IllegalArgumentException("no value for {{" + m.group(1) + "}} in template:\n" + template);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(text(v)));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** {@code 127.0.0.1:port} of a port nothing listens on (it was free a moment ago): connecting is refused. */
    public static String closedAddress() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + s.getLocalPort();
        }
    }

    private static String text(Object v) {
        if (v instanceof TestBackend b) {
            return b.hostPort();
        } else if (v instanceof TcpEchoBackend b) {
            return b.hostPort();
        } else if (v instanceof InetSocketAddress a) {
            return a.getHostString() + ":" + a.getPort();
        }
        return v.toString();
    }

    private static String numbered(String yaml) {
        String[] lines = yaml.split("\n", -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            sb.append(String.format("%3d| %s%n", i + 1, lines[i]));
        }
        return sb.toString();
    }

    public Halb halb() {
        return halb;
    }

    public HalbConfig config() {
        return config;
    }

    /** The bound address of a listener. */
    public InetSocketAddress address(String listener) {
        return halb.address(listener);
    }

    /** {@code http://127.0.0.1:port/path} of a listener. */
    public URI uri(String listener, String path) {
        InetSocketAddress a = address(listener);
        return URI.create("http://" + a.getHostString() + ":" + a.getPort() + path);
    }

    /** A raw connection to a listener. */
    public RawClient connect(String listener) throws IOException {
        return RawClient.connect(address(listener));
    }

    /** Stops halb at once; fails if an unexpected exception was logged while it ran. */
    @Override
    public void close() {
        try {
            halb.close();
        } finally {
            log.close();
        }
        List<String> unexpected = log.unexpected();
        if (!unexpected.isEmpty()) {
            throw new AssertionError(unexpected.size() + " unexpected exception(s) logged while halb ran:\n\n"
                    + String.join("\n\n", unexpected));
        }
    }
}

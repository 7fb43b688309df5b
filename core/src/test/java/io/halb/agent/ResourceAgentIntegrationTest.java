package io.halb.agent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ResourceAgentIntegrationTest {

    private static final WeightFormula FORMULA = new WeightFormula(1, 1, 1, 1000, true);

    @TempDir
    Path dir;

    private ResourceAgent agent;

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
    }

    private ResourceAgent start(MachineMetrics metrics, Optional<Path> stateFile) throws InterruptedException {
        agent = ResourceAgent.start(new AgentOptions("127.0.0.1", 0, FORMULA, Duration.ofMillis(100), stateFile), metrics);
        return agent;
    }

    /** Connects, reads everything until the agent closes, returns it. */
    static String read(InetSocketAddress address) throws IOException {
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(5000);
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void answersEachConnectionWithOneLineComputedFromItsMetrics() throws Exception {
        SettableMetrics metrics = SettableMetrics.idle();
        start(metrics, Optional.empty());
        assertThat(read(agent.address())).isEqualTo("up 100%\n");

        metrics.set(0.5, 0.5, 500);
        assertThat(read(agent.address())).isEqualTo("up 50%\n");

        metrics.set(0.1, 0.2, 700);
        assertThat(read(agent.address())).isEqualTo("up 20%\n");
        assertThat(agent.reply()).isEqualTo("up 20%");
    }

    @Test
    void announcesTheStateWordOfTheStateFile() throws Exception {
        Path state = dir.resolve("state");
        Files.writeString(state, "drain\n");
        start(new SettableMetrics(0.8, 0.6, 100), Optional.of(state));
        assertThat(read(agent.address())).as("the state file is read before the agent listens").isEqualTo("drain 77%\n");

        Files.writeString(state, "MAINT  # kernel upgrade\n");
        await().until(() -> read(agent.address()).equals("maint 77%\n"));

        Files.writeString(state, "ready");
        await().until(() -> read(agent.address()).equals("ready 77%\n"));

        Files.writeString(state, "sideways");
        await().until(() -> read(agent.address()).equals("up 77%\n"));

        Files.writeString(state, "down");
        await().until(() -> read(agent.address()).equals("down 77%\n"));

        Files.delete(state);
        await().until(() -> read(agent.address()).equals("up 77%\n"));
    }

    @Test
    void discardsWhatThePeerSendsAndClosesWithoutAReset() throws Exception {
        start(SettableMetrics.idle(), Optional.empty());
        InetSocketAddress a = agent.address();
        try (Socket s = new Socket(a.getAddress(), a.getPort())) {
            s.setSoTimeout(5000);
            // HAProxy's agent-send: a string the agent may ignore.
            s.getOutputStream().write("web1 hello\n".repeat(100).getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                got.write(b);
            }
            assertThat(got.toString(StandardCharsets.US_ASCII)).isEqualTo("up 100%\n");
            // The agent only half-closed: the connection still takes bytes, and a reset would show here.
            s.getOutputStream().write("more\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
        }
    }

    @Test
    void servesManyConnectionsAtOnce() throws Exception {
        start(new SettableMetrics(0.3, 0.3, 300), Optional.empty());
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<String>> replies = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                replies.add(pool.submit(() -> read(agent.address())));
            }
            for (Future<String> f : replies) {
                assertThat(f.get()).isEqualTo("up 43%\n");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void keepsServingTheLastSampleWhenSamplingFails() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        MachineMetrics broken = new MachineMetrics() {
            @Override public double cpuIdle() { return 0.4; }
            @Override public double memoryAvailable() { return 0.4; }
            @Override public int sessions() { return 0; }
            @Override public void refresh() throws IOException {
                attempts.incrementAndGet();
                throw new IOException("no /proc here");
            }
        };
        start(broken, Optional.empty());
        await().until(() -> attempts.get() >= 3);
        assertThat(read(agent.address())).isEqualTo("up 60%\n");
    }
}

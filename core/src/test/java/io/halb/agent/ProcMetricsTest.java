package io.halb.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ProcMetricsTest {

    @TempDir
    Path proc;

    @Test
    void readsSaneValuesFromThisMachine() throws IOException {
        ProcMetrics m = ProcMetrics.open(OptionalInt.empty());
        assertThat(m.cpuIdle()).isBetween(0.0, 1.0);
        assertThat(m.memoryAvailable()).isGreaterThan(0.0).isLessThanOrEqualTo(1.0);
        assertThat(m.sessions()).isZero();
        m.refresh();
        assertThat(m.cpuIdle()).isBetween(0.0, 1.0);
        assertThat(m.memoryAvailable()).isGreaterThan(0.0).isLessThanOrEqualTo(1.0);
    }

    @Test
    void countsEstablishedConnectionsOfTheWatchedPort() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            ProcMetrics m = ProcMetrics.open(OptionalInt.of(server.getLocalPort()));
            assertThat(m.sessions()).as("a listening socket is no session").isZero();
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    sockets.add(new Socket(server.getInetAddress(), server.getLocalPort()));
                    sockets.add(server.accept());
                }
                // Three accepted sockets have the server's local port; the clients' ports are ephemeral.
                await().untilAsserted(() -> {
                    m.refresh();
                    assertThat(m.sessions()).isEqualTo(3);
                });
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    @Test
    void measuresCpuIdleBetweenTwoSamples() throws IOException {
        writeStat(100, 0, 100, 800, 0);
        writeMeminfo("MemTotal:       1000 kB", "MemFree:          10 kB", "MemAvailable:     250 kB");
        writeNet("tcp", "");
        ProcMetrics m = new ProcMetrics(proc, OptionalInt.empty());
        assertThat(m.cpuIdle()).as("since boot").isEqualTo(0.8);
        assertThat(m.memoryAvailable()).isEqualTo(0.25);

        // 100 more ticks: 70 busy, 20 idle, 10 waiting for I/O (which counts as idle).
        writeStat(170, 0, 100, 820, 10);
        m.refresh();
        assertThat(m.cpuIdle()).isCloseTo(0.3, org.assertj.core.data.Offset.offset(1e-9));

        // No tick elapsed: the last value stays.
        m.refresh();
        assertThat(m.cpuIdle()).isCloseTo(0.3, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void fallsBackToFreeBuffersAndCachedWithoutMemAvailable() throws IOException {
        writeStat(1, 0, 1, 1, 0);
        writeMeminfo("MemTotal: 1000 kB", "MemFree: 100 kB", "Buffers: 50 kB", "Cached: 150 kB");
        assertThat(new ProcMetrics(proc, OptionalInt.empty()).memoryAvailable()).isEqualTo(0.3);
    }

    @Test
    void countsOnlyEstablishedSocketsWithTheLocalPortInBothFamilies() throws IOException {
        writeStat(1, 0, 1, 1, 0);
        writeMeminfo("MemTotal: 1000 kB", "MemAvailable: 500 kB");
        // 0x1F90 = 8080. st 01 established, 0A listen, 06 time-wait.
        writeNet("tcp", """
                   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1
                   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 2
                   2: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 3
                   3: 0100007F:1F90 0100007F:C351 06 00000000:00000000 00:00000000 00000000     0        0 4
                """);
        writeNet("tcp6", """
                   0: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:D000 01 00000000:00000000 00:00000000 00000000 0 0 5
                """);
        assertThat(new ProcMetrics(proc, OptionalInt.of(8080)).sessions()).isEqualTo(2);
        assertThat(new ProcMetrics(proc, OptionalInt.of(50000)).sessions()).isEqualTo(1);
    }

    @Test
    void saysWhatIsWrongWithAnUnreadableProc() throws IOException {
        Files.writeString(proc.resolve("stat"), "intr 1 2 3\n");
        assertThatThrownBy(() -> new ProcMetrics(proc, OptionalInt.empty()))
                .isInstanceOf(IOException.class).hasMessageContaining("no 'cpu' line");
    }

    private void writeStat(long user, long nice, long system, long idle, long iowait) throws IOException {
        Files.writeString(proc.resolve("stat"), "cpu  " + user + " " + nice + " " + system + " " + idle + " "
                + iowait + " 0 0 0 0 0\ncpu0 1 1 1 1 1 0 0 0 0 0\nintr 0\n");
    }

    private void writeMeminfo(String... lines) throws IOException {
        Files.writeString(proc.resolve("meminfo"), String.join("\n", lines) + "\n");
    }

    private void writeNet(String name, String rows) throws IOException {
        Files.createDirectories(proc.resolve("net"));
        Files.writeString(proc.resolve("net").resolve(name),
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" + rows);
    }
}

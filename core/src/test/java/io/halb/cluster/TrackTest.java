package io.halb.cluster;

import io.halb.config.HostPort;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The two-node guard against a real listener on loopback: it goes away, and comes back. */
class TrackTest {

    @Test
    void aTargetThatStopsAnsweringMakesTheNodeIneligibleUntilItAnswersAgain() throws Exception {
        List<Boolean> changes = new CopyOnWriteArrayList<>();
        ServerSocket target = listen(0);
        int port = target.getLocalPort();
        try (Track track = new Track(List.of(HostPort.parse("127.0.0.1:" + port)), changes::add)) {
            assertThat(track.start()).isTrue();
            target.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> changes.equals(List.of(false)));
            target = listen(port);
            await().atMost(Duration.ofSeconds(5)).until(() -> changes.equals(List.of(false, true)));
        } finally {
            target.close();
        }
    }

    @Test
    void aTargetDownAtStartIsReportedAtOnce() throws Exception {
        int port;
        try (ServerSocket s = listen(0)) {
            port = s.getLocalPort();
        }
        try (Track track = new Track(List.of(HostPort.parse("127.0.0.1:" + port)), ok -> { })) {
            assertThat(track.start()).isFalse();
        }
    }

    private static ServerSocket listen(int port) throws Exception {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return s;
    }
}

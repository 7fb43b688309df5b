package io.halb.persist;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class StickTableTest {

    @Test
    void keepsAPinAndRefreshesIt() throws Exception {
        StickTable table = new StickTable(Duration.ofMinutes(1), 1024);
        InetAddress a = InetAddress.getByName("198.18.0.1");
        table.put(a, "server-a");
        assertThat(table.get(a)).isEqualTo("server-a");
        table.put(a, "server-b");
        assertThat(table.get(a)).isEqualTo("server-b");
    }

    @Test
    void forgetsAPinIdleForLongerThanTheTtl() throws Exception {
        StickTable table = new StickTable(Duration.ofMillis(1), 1024);
        InetAddress a = InetAddress.getByName("198.18.0.1");
        table.put(a, "server-a");
        long until = System.nanoTime() + Duration.ofMillis(5).toNanos();
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        assertThat(table.get(a)).isNull();
    }

    @Test
    void staysWithinItsCapacityWhateverTheNumberOfAddresses() throws Exception {
        StickTable table = new StickTable(Duration.ofHours(1), 1_600);
        for (int i = 0; i < 100_000; i++) {
            byte[] addr = {(byte) 198, (byte) 18, (byte) (i >> 8), (byte) i};
            table.put(InetAddress.getByAddress(addr), "s");
        }
        assertThat(table.size()).isLessThanOrEqualTo(1_600);
    }

    @Test
    void idsAreOpaqueStableAndDistinct() {
        String id = ServerIds.of("web", "web1");
        assertThat(id).hasSize(ServerIds.LENGTH).isEqualTo(ServerIds.of("web", "web1"));
        assertThat(id).isNotEqualTo(ServerIds.of("web", "web2")).isNotEqualTo(ServerIds.of("api", "web1"));
        assertThat(ServerIds.looksLikeId(id)).isTrue();
        assertThat(ServerIds.looksLikeId("10.0.0.1:80")).isFalse();
    }
}

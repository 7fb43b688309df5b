package io.halb.guard;

import io.halb.config.LimitsConfig.Rate;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;

import static org.assertj.core.api.Assertions.assertThat;

/** The bounded client table and the GCRA rate limiter of a client. */
class ClientTableTest {

    private static InetAddress address(int i) throws UnknownHostException {
        return InetAddress.getByAddress(new byte[] {10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
    }

    @Test
    void holdsAtMostItsCapacityHoweverManyAddressesCome() throws Exception {
        ClientTable table = new ClientTable(6400);
        for (int i = 0; i < 200_000; i++) {
            table.get(address(i), 0);
        }
        assertThat(table.size()).isLessThanOrEqualTo(6400).isGreaterThan(5000);
    }

    @Test
    void anAddressWithOpenConnectionsIsNotEvicted() throws Exception {
        ClientTable table = new ClientTable(64);
        ClientState busy = table.get(address(0), 0);
        assertThat(busy.tryOpen(0)).isTrue();
        for (int i = 1; i < 10_000; i++) {
            table.get(address(i), 0);
        }
        assertThat(table.get(address(0), 0)).isSameAs(busy);
        assertThat(busy.connections()).isEqualTo(1);
    }

    @Test
    void connectionsStopAtTheirMaximumAndComeBack() {
        ClientState s = new ClientState(0);
        assertThat(s.tryOpen(2)).isTrue();
        assertThat(s.tryOpen(2)).isTrue();
        assertThat(s.tryOpen(2)).isFalse();
        s.closed();
        assertThat(s.tryOpen(2)).isTrue();
    }

    @Test
    void aRateLetsItsBurstThroughThenRefillsAtItsRate() {
        long now = -5_000_000_000L; // nanoTime may be negative
        ClientState s = new ClientState(now);
        Rate rate = new Rate(10, 5);
        for (int i = 0; i < 5; i++) {
            assertThat(s.takeRequest(rate, now)).isTrue();
        }
        assertThat(s.takeRequest(rate, now)).isFalse();
        assertThat(s.takeRequest(rate, now + 50_000_000L)).isFalse();
        assertThat(s.takeRequest(rate, now + 100_000_000L)).isTrue(); // one token every 100 ms
        assertThat(s.takeRequest(rate, now + 100_000_000L)).isFalse();
        // A long pause refills the bucket up to its burst, never more.
        long later = now + 60_000_000_000L;
        int taken = 0;
        while (s.takeRequest(rate, later)) {
            taken++;
        }
        assertThat(taken).isEqualTo(5);
        assertThat(s.takeConnection(Rate.UNLIMITED, later)).isTrue();
    }

    @Test
    void aFullTableOfAHundredThousandAddressesCostsAboutAHundredAndFiftyBytesEach() throws Exception {
        long before = usedAfterGc();
        ClientTable table = new ClientTable(100_000);
        for (int i = 0; i < 100_000; i++) {
            table.get(address(i), 0); // the table keeps the address once its connection is gone
        }
        long after = usedAfterGc();
        // Shards fill unevenly: a few of their least recently seen went already.
        int held = table.size();
        assertThat(held).isGreaterThan(95_000);
        long perEntry = (after - before) / held;
        LimitsIntegrationTest.figure("client table: 100,000 addresses into table_size 100000 held " + held + ", " + perEntry
                + " bytes each on the heap (address, state and map entry)");
        assertThat(perEntry).isLessThan(400);
    }

    @SuppressWarnings("ExplicitGC")
    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}

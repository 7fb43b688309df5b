package io.halb.guard;

import io.halb.testing.HalbFixture;
import io.halb.testing.MemoryWatch;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static io.halb.guard.LimitsIntegrationTest.NORMAL;
import static io.halb.guard.LimitsIntegrationTest.figure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 100,000 distinct source addresses (127.10.0.0/15 and up, all local on Linux) each open a
 * connection, send a partial request and close: the client table stays within its size and the
 * heap grows by a bounded amount, while a normal client is still served.
 */
class ClientTableMemoryIntegrationTest {

    private static final int ADDRESSES = 100_000;
    private static final int TABLE_SIZE = 20_000;
    private static final int THREADS = 4;

    @Test
    @Timeout(240)
    void memoryStaysBoundedWhileAHundredThousandAddressesConnect() throws Exception {
        try (TestBackend web = TestBackend.start("w1");
             HalbFixture halb = HalbFixture.start("""
                     event_loops: 2
                     listeners:
                       - name: web
                         bind: "127.0.0.1:0"
                         pool: web
                         limits: {table_size: %d, per_client: {max_connections: 10, connection_rate: {rate: 10, burst: 20}}}
                     pools:
                       - {name: web, health: {type: none}, servers: [{name: w1, address: "{{web}}"}]}
                     """.formatted(TABLE_SIZE), Map.of("web", web))) {
            InetSocketAddress address = halb.address("web");
            Limiter limiter = halb.halb().limiter("web");
            MemoryWatch memory = MemoryWatch.start(2000);
            long start = System.nanoTime();
            AtomicInteger failed = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int first = t;
                    done.add(pool.submit(() -> {
                        for (int i = first; i < ADDRESSES; i += THREADS) {
                            if (!touch(address, source(i))) {
                                failed.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            await().atMost(Duration.ofSeconds(30)).until(() -> limiter.connections() == 0);
            memory.close();
            int held = limiter.tableSize();
            assertThat(failed.get()).isLessThan(ADDRESSES / 100);
            // 64 shards of ceil(20000 / 64) addresses each.
            assertThat(held).isLessThanOrEqualTo(64 * ((TABLE_SIZE + 63) / 64));
            assertThat(held).isGreaterThan(TABLE_SIZE / 2);
            // Generous: the peak includes whatever the churn of connections keeps alive at a sample (12-41 MiB seen).
            assertThat(memory.heapGrowth()).isLessThan(128L << 20);
            assertThat(LimitsIntegrationTest.get(halb, NORMAL, "/after").status()).isEqualTo(200);
            figure(String.format("100,000 source addresses connected in %.1f s (%d failed to connect): client table held %d "
                    + "of table_size %d; heap after GC grew by %.1f MiB at most (%s)", seconds, failed.get(), held,
                    TABLE_SIZE, memory.heapGrowth() / 1048576.0, memory));
        }
    }

    /** 127.10.0.1 onwards, skipping .0 and .255 in the last two bytes. */
    private static String source(int i) {
        int last = 1 + i % 254;
        int rest = i / 254;
        return "127." + (10 + rest / 254) + "." + (1 + rest % 254) + "." + last;
    }

    /** Connects from {@code from}, sends the start of a request head (so the listener accepts it) and closes. */
    private static boolean touch(InetSocketAddress to, String from) {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            s.connect(to, 5000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

package io.halb.proxy;

import io.halb.testing.BodyDigest;
import io.halb.testing.HalbFixture;
import io.halb.testing.MemoryWatch;
import io.halb.testing.Payload;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.RecordedRequest;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gigabyte each way streams through halb: generated on the fly at one end, counted and
 * checksummed at the other, while the heap (after collection) and direct memory stay flat. Surefire
 * runs with {@code -Xmx1g}, so a proxy that buffered a body would also run out of memory.
 */
class LargeTransferIntegrationTest {

    private static final long GIB = 1024L * 1024 * 1024;
    private static final long HEAP_GROWTH_LIMIT = 64L * 1024 * 1024;
    private static final long DIRECT_GROWTH_LIMIT = 128L * 1024 * 1024;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    /** Long server timeout: the backend answers only once the whole upload is in. */
    private static String template(TestBackend backend) {
        return HalbFixture.httpTemplate("round_robin", 0, backend).replace("server: 20s", "server: 60s");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void oneGibibyteUploadStreamsThroughWithoutBuffering() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(template(backend));
             RawClient client = RawClient.connect(halb.address("web"), Duration.ofSeconds(30), DEADLINE)) {
            warmUp(client);
            BodyDigest sent;
            String memoryReport;
            long started = System.nanoTime();
            try (MemoryWatch memory = MemoryWatch.start(500)) {
                client.write(RawClient.request("POST", "app.test", "/upload", "Content-Length: " + GIB));
                sent = client.writePayload(GIB);
                RawResponse r = client.readResponse();
                memory.close();
                memoryReport = memory.toString();
                assertThat(r.status()).as("%s", r).isEqualTo(200);
                assertThat(memory.heapGrowth()).as("heap growth during a 1 GiB upload: %s", memory)
                        .isLessThan(HEAP_GROWTH_LIMIT);
                assertThat(memory.directGrowth()).as("direct memory growth during a 1 GiB upload: %s", memory)
                        .isLessThan(DIRECT_GROWTH_LIMIT);
            }
            RecordedRequest got = backend.lastRequest();
            assertThat(got.bodyLength()).isEqualTo(GIB);
            assertThat(got.bodyCrc32()).isEqualTo(sent.crc32());
            System.out.printf("1 GiB upload through halb took %d ms; %s%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), memoryReport);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void oneGibibyteDownloadStreamsThroughWithoutBuffering() throws Exception {
        CompletableFuture<Long> expectedCrc = CompletableFuture.supplyAsync(() -> Payload.crc32(GIB));
        try (TestBackend backend = TestBackend.builder("b1").stream(GIB, false).start();
             HalbFixture halb = HalbFixture.start(template(backend));
             RawClient client = RawClient.connect(halb.address("web"), Duration.ofSeconds(30), DEADLINE)) {
            expectedCrc.get(30, TimeUnit.SECONDS);
            BodyDigest got = new BodyDigest();
            String memoryReport;
            long started = System.nanoTime();
            try (MemoryWatch memory = MemoryWatch.start(500)) {
                RawResponse r = client.write(RawClient.get("app.test", "/download")).readResponse(got);
                memory.close();
                memoryReport = memory.toString();
                assertThat(r.status()).as("%s", r).isEqualTo(200);
                assertThat(memory.heapGrowth()).as("heap growth during a 1 GiB download: %s", memory)
                        .isLessThan(HEAP_GROWTH_LIMIT);
                assertThat(memory.directGrowth()).as("direct memory growth during a 1 GiB download: %s", memory)
                        .isLessThan(DIRECT_GROWTH_LIMIT);
            }
            assertThat(got.length()).isEqualTo(GIB);
            assertThat(got.crc32()).isEqualTo(expectedCrc.get());
            System.out.printf("1 GiB download through halb took %d ms; %s%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), memoryReport);
        }
    }

    /** One small request first, so that the baseline includes halb's pools and connections. */
    private static void warmUp(RawClient client) throws Exception {
        assertThat(client.write(RawClient.get("app.test", "/warm-up")).readResponse().status()).isEqualTo(200);
    }
}

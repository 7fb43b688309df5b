package io.halb.proxy;

import io.halb.testing.H2Client;
import io.halb.testing.HalbFixture;
import io.halb.testing.MemoryWatch;
import io.halb.testing.Payload;
import io.halb.testing.RecordedRequest;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bodies through halb's HTTP/2 frontend: large ones stream both ways with bounded memory (each
 * stream's flow-control window and the server connection's socket are the only buffers), a client
 * that stops reading holds the server back instead of being buffered for, and a stream the client
 * resets takes its server exchange down with it.
 */
class Http2TransferIntegrationTest {

    private static final long MIB = 1024L * 1024;
    private static final long SIZE = 256 * MIB;
    private static final long HEAP_GROWTH_LIMIT = 64 * MIB;
    private static final long DIRECT_GROWTH_LIMIT = 128 * MIB;
    private static final Duration DEADLINE = Duration.ofSeconds(80);
    private static final Path FIGURES = Path.of("target", "http2-figures.txt");

    private static String template(TestBackend backend) {
        return Http2IntegrationTest.h2cTemplate(backend).replace("server: 20s", "server: 60s");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void largeUploadStreamsThroughWithBoundedMemory() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(template(backend));
             H2Client client = H2Client.connect(halb.address("web"))) {
            assertThat(client.request(H2Client.get("/warm-up"), null).await(DEADLINE).status()).isEqualTo(200);
            H2Client.Exchange ex;
            long started = System.nanoTime();
            try (MemoryWatch memory = MemoryWatch.start(500)) {
                ex = client.upload(H2Client.headers("POST", "/upload"), SIZE).await(DEADLINE);
                memory.close();
                assertThat(ex.status()).as("%s", ex).isEqualTo(200);
                assertThat(memory.heapGrowth()).as("heap growth, %s", memory).isLessThan(HEAP_GROWTH_LIMIT);
                assertThat(memory.directGrowth()).as("direct growth, %s", memory).isLessThan(DIRECT_GROWTH_LIMIT);
                figure("h2c upload of %d MiB through halb: %d ms; %s", SIZE / MIB,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), memory);
            }
            RecordedRequest got = backend.lastRequest();
            assertThat(got.protocol()).isEqualTo("HTTP/1.1");
            assertThat(got.header("transfer-encoding")).contains("chunked");
            assertThat(got.bodyLength()).isEqualTo(SIZE);
            assertThat(got.bodyCrc32()).isEqualTo(ex.sent().crc32());
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void largeDownloadStreamsThroughWithBoundedMemory() throws Exception {
        CompletableFuture<Long> expectedCrc = CompletableFuture.supplyAsync(() -> Payload.crc32(SIZE));
        try (TestBackend backend = TestBackend.builder("b1").stream(SIZE, false).start();
             HalbFixture halb = HalbFixture.start(template(backend));
             H2Client client = H2Client.connect(halb.address("web"))) {
            expectedCrc.get(30, TimeUnit.SECONDS);
            H2Client.Exchange ex;
            long started = System.nanoTime();
            try (MemoryWatch memory = MemoryWatch.start(500)) {
                ex = client.request(H2Client.get("/download"), null).await(DEADLINE);
                memory.close();
                assertThat(ex.status()).as("%s", ex).isEqualTo(200);
                assertThat(memory.heapGrowth()).as("heap growth, %s", memory).isLessThan(HEAP_GROWTH_LIMIT);
                assertThat(memory.directGrowth()).as("direct growth, %s", memory).isLessThan(DIRECT_GROWTH_LIMIT);
                figure("h2c download of %d MiB through halb: %d ms; %s", SIZE / MIB,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), memory);
            }
            assertThat(ex.ended()).isTrue();
            assertThat(ex.receivedLength()).isEqualTo(SIZE);
            assertThat(ex.receivedCrc32()).isEqualTo(expectedCrc.get());
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void clientThatStopsReadingHoldsTheServerBack() throws Exception {
        CompletableFuture<Long> expectedCrc = CompletableFuture.supplyAsync(() -> Payload.crc32(SIZE));
        try (TestBackend backend = TestBackend.builder("b1").stream(SIZE, true).start();
             HalbFixture halb = HalbFixture.start(template(backend));
             H2Client client = H2Client.connect(halb.address("web"))) {
            H2Client.Exchange ex = client.request(H2Client.get("/slow-reader"), null);
            ex.reading(false);
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.streamedBytes() > 0);
            long stalledAt = untilSteady(backend);
            // What halb let the server write: socket buffers on both sides of halb, one stream
            // window, one read burst. Far from the whole body.
            assertThat(stalledAt).as("bytes the server wrote while the client read nothing").isLessThan(32 * MIB);
            figure("h2c client not reading: the server wrote %d KiB of a %d MiB body, then waited", stalledAt / 1024,
                    SIZE / MIB);

            ex.reading(true);
            ex.await(DEADLINE);
            assertThat(ex.ended()).as("%s", ex).isTrue();
            assertThat(ex.receivedLength()).isEqualTo(SIZE);
            assertThat(ex.receivedCrc32()).isEqualTo(expectedCrc.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void resetStreamCancelsTheServerExchange() throws Exception {
        try (TestBackend stall = TestBackend.builder("stall").mode(TestBackend.Mode.STALL).start();
             HalbFixture halb = HalbFixture.start(template(stall));
             H2Client client = H2Client.connect(halb.address("web"))) {
            H2Client.Exchange ex = client.request(H2Client.get("/never"), null);
            await().atMost(Duration.ofSeconds(10)).until(() -> stall.requests() == 1 && stall.openConnections() == 1);
            ex.reset();
            // halb drops the server connection in the middle of its exchange: nothing else could reuse it.
            await().atMost(Duration.ofSeconds(10)).until(() -> stall.openConnections() == 0);
            assertThat(client.isOpen()).as("a reset ends one stream, not the connection").isTrue();

            // An upload reset half-way: the server connection, mid-body, is closed too.
            H2Client.Exchange upload = client.upload(H2Client.headers("POST", "/upload"), SIZE);
            await().atMost(Duration.ofSeconds(10)).until(() -> stall.openConnections() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> upload.sent().length() > 4 * MIB);
            upload.reset();
            await().atMost(Duration.ofSeconds(10)).until(() -> stall.openConnections() == 0);
            assertThat(client.isOpen()).isTrue();
        }
    }

    /** Waits until the server has written nothing more for a second; returns what it wrote. */
    private static long untilSteady(TestBackend backend) throws InterruptedException {
        long last = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            long now = backend.streamedBytes();
            if (now == last) {
                return now;
            }
            last = now;
            Thread.sleep(1000);
        }
        throw new AssertionError("the server kept writing while the client read nothing: " + last + " bytes");
    }

    private static void figure(String format, Object... args) throws IOException {
        String line = String.format(format, args);
        System.out.println(line);
        Files.createDirectories(FIGURES.toAbsolutePath().getParent());
        Files.writeString(FIGURES, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}

package io.halb.proxy;

import io.halb.testing.H2Client;
import io.halb.testing.HalbFixture;
import io.halb.testing.MemoryWatch;
import io.halb.testing.Payload;
import io.halb.testing.RecordedRequest;
import io.halb.testing.TestBackend;
import io.netty.handler.codec.http2.Http2Error;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
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
    void streamWhoseClientReadsNothingForClientIdleIsReset() throws Exception {
        try (TestBackend backend = TestBackend.builder("b1").stream(SIZE, true).start();
             // A slow reader is judged when the server timer fires: server 2s, client_idle 1s.
             HalbFixture halb = HalbFixture.start(Http2IntegrationTest.h2cTemplate(backend)
                     .replace("client_idle: 30s", "client_idle: 1s").replace("server: 20s", "server: 2s"));
             H2Client client = H2Client.connect(halb.address("web"))) {
            H2Client.Exchange ex = client.request(H2Client.get("/never-read"), null);
            ex.reading(false);
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.streamedBytes() > 0);
            // Cut after client_idle without progress; the server connection goes with it.
            await().atMost(Duration.ofSeconds(15)).until(() -> backend.openConnections() == 0);
            ex.await(Duration.ofSeconds(10));
            assertThat(ex.ended()).as("%s", ex).isFalse();
            assertThat(ex.resetCode()).as("%s", ex).isEqualTo(Http2Error.CANCEL.code());
            assertThat(backend.streamedBytes()).isLessThan(SIZE);
            // The client drops what it had buffered unread.
            ex.reading(true);
            ex.streamClosed().get(10, TimeUnit.SECONDS);
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

    @Test
    void resetOrCloseWhileTheServerTakesNoBodyEndsTheServerExchange() throws Exception {
        for (boolean closeConnection : new boolean[] {false, true}) {
            try (ServerSocket deaf = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
                 HalbFixture halb = HalbFixture.start("""
                         event_loops: 1
                         listeners:
                           - {name: web, bind: "127.0.0.1:0", pool: web, h2c: true}
                         pools:
                           - {name: web, health: {type: none}, retries: 0, servers: [{name: deaf, address: "{{deaf}}"}]}
                         timeouts: {connect: 2s, header_read: 10s, client_idle: 60s, server: 60s}
                         """, Map.of("deaf", deaf.getLocalSocketAddress()));
                 H2Client client = H2Client.connect(halb.address("web"))) {
                // A server that accepts and never reads: halb stops reading the stream, the client stalls.
                H2Client.Exchange upload = client.upload(H2Client.headers("POST", "/into-the-void"), SIZE);
                deaf.setSoTimeout(10_000);
                try (Socket server = deaf.accept()) {
                    long stalledAt = untilSteady(upload);
                    assertThat(stalledAt).isLessThan(SIZE);
                    if (closeConnection) {
                        client.close();
                    } else {
                        upload.reset();
                    }
                    // halb closes its server connection: after what was sent, the server reads the end.
                    server.setSoTimeout(20_000);
                    InputStream in = server.getInputStream();
                    byte[] buf = new byte[64 * 1024];
                    try {
                        while (in.read(buf) >= 0) {
                            // what halb had sent before
                        }
                    } catch (SocketException reset) {
                        // closed with a reset: as good
                    }
                }
            }
        }
    }

    /** Waits until the client has sent nothing more for a second; returns what it sent. */
    private static long untilSteady(H2Client.Exchange upload) throws InterruptedException {
        long last = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            long now = upload.sent().length();
            if (now == last) {
                return now;
            }
            last = now;
            Thread.sleep(1000);
        }
        throw new AssertionError("the client kept sending to a server that reads nothing: " + last + " bytes");
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

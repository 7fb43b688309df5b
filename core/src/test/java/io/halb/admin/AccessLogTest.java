package io.halb.admin;

import static io.halb.admin.AccessLogFormatTest.PLUS_ONE;
import static io.halb.admin.AccessLogFormatTest.request;
import static io.halb.admin.AccessLogFormatTest.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.halb.config.AccessLogConfig;
import io.halb.config.AccessLogConfig.Format;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer: prompt lines, rotation by reopen, counted drops, a full write-out on close. */
class AccessLogTest {

    private static final Duration PROMPTLY = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    }

    @Test
    void aLineReachesTheFileWithoutWaitingForMore() throws IOException {
        Path file = dir.resolve("access.log");
        try (AccessLog log = AccessLog.open(new AccessLogConfig(Optional.of(file), Format.COMBINED))) {
            assertThat(log.file()).contains(file);
            log.requestDone(request("/first", "ua", null));
            await().atMost(PROMPTLY).untilAsserted(() ->
                    assertThat(lines(file)).singleElement().asString().contains("\"GET /first HTTP/1.1\" 200 2326"));
            log.sessionDone(session("db1", true));
            await().atMost(PROMPTLY).untilAsserted(() ->
                    assertThat(lines(file)).hasSize(2).last().asString().contains("\"TCP db\" - 5120"));
            assertThat(log.dropped()).isZero();
        }
    }

    @Test
    void appendsToAnExistingFile() throws IOException {
        Path file = Files.writeString(dir.resolve("access.log"), "earlier line\n");
        try (AccessLog log = AccessLog.open(new AccessLogConfig(Optional.of(file), Format.JSON))) {
            log.requestDone(request("/", null, null));
        }
        assertThat(lines(file)).hasSize(2).first().isEqualTo("earlier line");
        assertThat(lines(file).get(1)).startsWith("{\"time\":");
    }

    @Test
    void reopenAfterTheFileWasMovedAwayWritesANewFileAtThePath() throws IOException {
        Path file = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        try (AccessLog log = new AccessLog(Optional.of(file), System.out, Format.COMBINED, 16, PLUS_ONE)) {
            log.requestDone(request("/before", null, null));
            await().atMost(PROMPTLY).until(() -> lines(file).size() == 1);

            Files.move(file, rotated);
            log.requestDone(request("/moved", null, null)); // still goes to the moved file: it is open
            await().atMost(PROMPTLY).until(() -> lines(rotated).size() == 2);
            log.reopen();
            log.requestDone(request("/after", null, null));

            await().atMost(PROMPTLY).untilAsserted(() ->
                    assertThat(lines(file)).singleElement().asString().contains("GET /after "));
        }
        assertThat(lines(rotated)).hasSize(2).allSatisfy(l -> assertThat(l).doesNotContain("/after"));
    }

    @Test
    void aReopenThatCannotOpenTheFileKeepsTheOldOne() throws IOException {
        Path logs = Files.createDirectory(dir.resolve("logs"));
        Path file = logs.resolve("access.log");
        Path movedDir = dir.resolve("logs.old");
        try (AccessLog log = new AccessLog(Optional.of(file), System.out, Format.COMBINED, 16, PLUS_ONE)) {
            Files.move(logs, movedDir);
            assertThatThrownBy(log::reopen).isInstanceOf(IOException.class)
                    .hasMessageStartingWith("access_log " + file + ": cannot open for appending");
            log.requestDone(request("/kept", null, null));
            await().atMost(PROMPTLY).until(() -> lines(movedDir.resolve("access.log")).size() == 1);
        }
    }

    @Test
    void openingAFileInAMissingDirectoryFailsWithThePath() {
        Path file = dir.resolve("nope/access.log");
        assertThatThrownBy(() -> AccessLog.open(new AccessLogConfig(Optional.of(file), Format.COMBINED)))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("access_log " + file + ": cannot open for appending");
    }

    @Test
    void aFullQueueDropsAndCountsLinesInsteadOfBlocking() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        // Standard output that hangs like a stalled disk until released.
        OutputStream stalled = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writing.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                synchronized (written) {
                    written.write(b, off, len);
                }
            }
        };
        AccessLog log = new AccessLog(Optional.empty(), stalled, Format.COMBINED, 2, PLUS_ONE);
        try {
            log.requestDone(request("/1", null, null));
            assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue(); // the writer is stuck on line 1

            long start = System.nanoTime();
            for (int i = 2; i <= 6; i++) {
                log.requestDone(request("/" + i, null, null));
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
            assertThat(log.dropped()).isEqualTo(3);
        } finally {
            release.countDown();
            log.close();
        }
        String out;
        synchronized (written) {
            out = written.toString(StandardCharsets.UTF_8);
        }
        assertThat(out.lines()).extracting(l -> l.substring(l.indexOf("GET "), l.indexOf(" HTTP")))
                .containsExactly("GET /1", "GET /2", "GET /3");
    }

    @Test
    void closeWritesOutEverythingQueuedAndLaterRecordsAreDropped() throws IOException {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        AccessLog log = new AccessLog(Optional.empty(), stdout, Format.JSON, 1024, PLUS_ONE);
        for (int i = 0; i < 500; i++) {
            log.requestDone(request("/" + i, null, null));
        }
        log.close();
        assertThat(stdout.toString(StandardCharsets.UTF_8).lines()).hasSize(500);
        log.close(); // twice is harmless
        log.requestDone(request("/late", null, null));
        assertThat(log.dropped()).isEqualTo(1);
        log.reopen(); // nothing to reopen on standard output, nor after close
    }
}

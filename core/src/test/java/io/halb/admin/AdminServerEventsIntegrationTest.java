package io.halb.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.halb.admin.AdminServerIntegrationTest.FakePlane;
import io.halb.admin.AdminServerIntegrationTest.Running;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.halb.admin.AdminServerIntegrationTest.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code GET /api/v1/events}: the control plane's events as server-sent events. */
class AdminServerEventsIntegrationTest {

    private Running admin;

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
        assertThat(admin.plane.threads).as("threads that called the control plane").isSubsetOf("halb-admin");
    }

    @Test
    void anEventThePlanePublishesArrivesOnTheStream() throws Exception {
        admin = Running.start(new FakePlane(), Optional.empty());
        try (EventClient events = EventClient.open(admin)) {
            assertThat(events.response.statusCode()).isEqualTo(200);
            assertThat(events.response.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
            assertThat(events.response.headers().firstValue("cache-control")).hasValue("no-store");
            assertThat(admin.plane.subscribers).hasSize(1);

            admin.plane.publish(new AdminEvent(1_700_000_000_000L, "server_state", "web", "web1",
                    "down after 3 failed checks: connection refused"));

            assertThat(events.nextLineNotComment()).isEqualTo("event: server_state");
            String data = events.nextLine();
            assertThat(data).startsWith("data: ");
            JsonNode event = JSON.readTree(data.substring("data: ".length()));
            assertThat(event.get("time_millis").asLong()).isEqualTo(1_700_000_000_000L);
            assertThat(event.get("type").asText()).isEqualTo("server_state");
            assertThat(event.get("pool").asText()).isEqualTo("web");
            assertThat(event.get("server").asText()).isEqualTo("web1");
            assertThat(event.get("detail").asText()).isEqualTo("down after 3 failed checks: connection refused");
            assertThat(events.nextLine()).isEmpty();
        }
    }

    @Test
    void aChangeMadeThroughTheApiIsStreamedToEveryClient() throws Exception {
        admin = Running.start(new FakePlane(), Optional.empty());
        try (EventClient first = EventClient.open(admin); EventClient second = EventClient.open(admin)) {
            assertThat(admin.send("PUT", "/api/v1/pools/web/servers/web2/state", "{\"state\": \"drain\"}").statusCode())
                    .isEqualTo(200);

            for (EventClient events : new EventClient[] {first, second}) {
                assertThat(events.nextLineNotComment()).isEqualTo("event: server_state");
                assertThat(events.nextLine()).contains("\"server\":\"web2\"").contains("set to drain by an operator");
            }
        }
    }

    @Test
    void aCommentKeepsAQuietStreamAlive() throws Exception {
        admin = Running.start(new FakePlane(), Optional.empty(), Duration.ofMillis(100),
                AdminServer.class.getClassLoader(), () -> Running.METRICS);
        try (EventClient events = EventClient.open(admin)) {
            assertThat(events.nextLine()).isEqualTo(": halb events");
            assertThat(events.nextLine()).isEmpty();
            assertThat(events.nextLine()).isEqualTo(": ping");
            assertThat(events.nextLine()).isEmpty();
            assertThat(events.nextLine()).isEqualTo(": ping");
        }
    }

    @Test
    void aClientThatGoesAwayIsUnsubscribed() throws Exception {
        admin = Running.start(new FakePlane(), Optional.empty());
        try (Socket socket = new Socket("127.0.0.1", admin.server.address().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readHead(socket.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("transfer-encoding: chunked");
            assertThat(admin.plane.subscribers).hasSize(1);
        }

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(admin.plane.subscribers).isEmpty());
        // Publishing to nobody is fine.
        admin.plane.publish(new AdminEvent(1, "reload", "", "", "applied"));
    }

    @Test
    void closingTheServerEndsEveryStreamAndUnsubscribes() throws Exception {
        admin = Running.start(new FakePlane(), Optional.empty());
        EventClient events = EventClient.open(admin);
        assertThat(admin.plane.subscribers).hasSize(1);

        admin.server.close();

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(admin.plane.subscribers).isEmpty());
        events.awaitEnd();
        events.close();
    }

    private static String readHead(InputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("closed before the response head ended: " + sb);
            }
            sb.append((char) b);
        }
        return sb.toString();
    }

    /** A streaming client of {@code /api/v1/events}; lines are read by a thread of the HTTP client. */
    static final class EventClient implements AutoCloseable {

        private static final String END = "\u0000end";

        final HttpResponse<Stream<String>> response;
        final CompletableFuture<Void> reader;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        private EventClient(HttpResponse<Stream<String>> response) {
            this.response = response;
            this.reader = CompletableFuture.runAsync(() -> {
                try {
                    response.body().forEach(lines::add);
                } finally {
                    lines.add(END);
                }
            });
        }

        /** Returns once the response head arrived, which is after the server subscribed. */
        static EventClient open(Running admin, String... headers) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(admin.uri("/api/v1/events")).GET();
            for (int i = 0; i < headers.length; i += 2) {
                b.header(headers[i], headers[i + 1]);
            }
            return new EventClient(admin.http.send(b.build(), HttpResponse.BodyHandlers.ofLines()));
        }

        String nextLine() throws InterruptedException {
            String line = nextLineOrEnd();
            assertThat(line).as("the stream ended").isNotEqualTo(END);
            return line;
        }

        /** The next line, or a marker when the stream ended. */
        String nextLineOrEnd() throws InterruptedException {
            String line = lines.poll(10, TimeUnit.SECONDS);
            assertThat(line).as("a line within 10 s").isNotNull();
            return line;
        }

        /** Reads until the server ends the stream. */
        void awaitEnd() throws InterruptedException {
            while (!nextLineOrEnd().equals(END)) {
                // skip
            }
        }

        /** The next line that is neither a comment nor blank. */
        String nextLineNotComment() throws InterruptedException {
            String line;
            do {
                line = nextLine();
            } while (line.isEmpty() || line.startsWith(":"));
            return line;
        }

        @Override
        public void close() {
            response.body().close();
        }
    }
}

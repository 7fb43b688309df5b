package io.halb.admin;

import io.halb.admin.AdminServerIntegrationTest.FakePlane;
import io.halb.admin.AdminServerIntegrationTest.Running;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A control plane that takes its time (writing the state file, reading the configuration for a
 * reload) holds up only the requests that need it: the event loop, and with it /metrics, the
 * dashboard and every refusal, go on. The server runs on one event loop, so anything blocking it
 * would show.
 */
class AdminServerBlockingIntegrationTest {

    private Running admin;

    @AfterEach
    void stop() {
        admin.close();
    }

    @Test
    void aSlowControlPlaneDelaysNeitherMetricsNorTheDashboard() throws Exception {
        FakePlane plane = new FakePlane();
        admin = Running.start(plane, Optional.of("token"));
        plane.slowness = Duration.ofMillis(500);
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<String>> slow = admin.http.sendAsync(
                HttpRequest.newBuilder(admin.uri("/api/v1/pools")).header("Authorization", "Bearer token").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(plane.entered.await(5, TimeUnit.SECONDS)).isTrue();

        long metricsNanos = timed(() -> assertThat(admin.get("/metrics", "Authorization", "Bearer token").body())
                .isEqualTo(Running.METRICS));
        long otherNanos = timed(() -> {
            assertThat(admin.get("/").statusCode()).isEqualTo(302);
            assertThat(admin.get("/api/v1/status").statusCode()).isEqualTo(401);
        });
        boolean slowStillRunning = !slow.isDone();

        assertThat(slow.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        assertThat(slowStillRunning).as("the plane call was still running while /metrics answered").isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(metricsNanos)).as("ms for /metrics").isLessThan(250);
        assertThat(TimeUnit.NANOSECONDS.toMillis(otherNanos)).as("ms for a redirect and a refusal").isLessThan(250);
        assertThat(plane.threads).containsOnly("halb-admin");
    }

    @Test
    void controlPlaneCallsRunOneAtATimeOnTheAdminThread() throws Exception {
        FakePlane plane = new FakePlane();
        admin = Running.start(plane, Optional.empty());
        plane.slowness = Duration.ofMillis(200);
        long start = System.nanoTime();

        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (String path : List.of("/api/v1/status", "/api/v1/pools", "/api/v1/listeners")) {
            calls.add(admin.http.sendAsync(HttpRequest.newBuilder(admin.uri(path)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            assertThat(call.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }

        assertThat(System.nanoTime() - start).as("three 200 ms calls, one after the other")
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(600));
        assertThat(plane.threads).containsOnly("halb-admin");
    }

    @Test
    void requestsBeyondTheAdminQueueAreAnsweredBusy() throws Exception {
        FakePlane plane = new FakePlane();
        admin = Running.start(plane, Optional.empty());
        plane.gate = new CountDownLatch(1);

        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < AdminServer.MAX_WAITING + 4; i++) {
            calls.add(admin.http.sendAsync(HttpRequest.newBuilder(admin.uri("/api/v1/status")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        // One runs, MAX_WAITING wait, the rest are refused at once.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                calls.stream().filter(c -> c.isDone() && c.join().statusCode() == 503).count()).isEqualTo(3));
        assertThat(admin.get("/metrics").statusCode()).as("not behind the stuck plane").isEqualTo(200);
        plane.gate.countDown();

        for (CompletableFuture<HttpResponse<String>> call : calls) {
            assertThat(call.get(10, TimeUnit.SECONDS).statusCode()).isIn(200, 503);
        }
        assertThat(calls.stream().filter(c -> c.join().statusCode() == 503).count()).isEqualTo(3);
        HttpResponse<String> busy = calls.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 503)
                .findFirst().orElseThrow();
        assertThat(AdminServerIntegrationTest.error(busy)).startsWith("admin listener busy");
    }

    private interface Call {
        void run() throws Exception;
    }

    private static long timed(Call call) throws Exception {
        long start = System.nanoTime();
        call.run();
        return System.nanoTime() - start;
    }
}

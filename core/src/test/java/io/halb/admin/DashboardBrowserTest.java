package io.halb.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.halb.config.ServerConfig;
import io.halb.proxy.Transport;
import io.halb.testing.ClientLoad;
import io.halb.testing.HalbFixture;
import io.halb.testing.TestBackend;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * The dashboard in a real browser (Debian's chromium, headless, driven through
 * {@code /usr/bin/chromedriver}; nothing is downloaded). Without chromium the test is skipped, except
 * in CI ({@code CI=true}), where it fails.
 *
 * <p>The page's behaviour (state badges, buttons, the token form, live events) is tested against
 * {@link AdminServer} over an in-memory control plane, whose changes the test controls exactly; one
 * test runs a real halb with real backends under load, kills one, and leaves a screenshot of the page
 * in {@code core/target/dashboard.png}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Surefire runs in the module's directory: this is core/target. */
    private static final Path TARGET = Path.of("target");
    private static final Duration QUICKLY = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<AutoCloseable> closeAfterEach = new ArrayList<>();
    private Transport transport;
    private EventLoopGroup group;
    private ChromeDriver browser;

    @BeforeAll
    void startBrowser() throws IOException {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present) {
            String why = CHROMIUM + " or " + CHROMEDRIVER + " is missing (apt-get install chromium chromium-driver)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(why + ": CI must run the dashboard test");
            }
            Assumptions.abort(why);
        }
        transport = Transport.best();
        group = transport.newGroup(1, "dashboard-test");

        // A driver named by this property and a browser binary in the options: Selenium Manager
        // has nothing to look up, so it never tries to download a browser or a driver.
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        Path profile = Files.createTempDirectory(Files.createDirectories(TARGET), "chromium-profile-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile.toAbsolutePath(),
                "--window-size=1440,900", "--force-device-scale-factor=1", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
    }

    @AfterAll
    void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @AfterEach
    void closeServers() throws Exception {
        if (browser != null) {
            // Leave the page first: its event stream would otherwise hold the admin listener open.
            browser.get("about:blank");
        }
        // In reverse order (load, then halb, then backends); every one is closed even if one fails.
        Exception first = null;
        for (int i = closeAfterEach.size() - 1; i >= 0; i--) {
            try {
                closeAfterEach.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        closeAfterEach.clear();
        if (first != null) {
            throw first;
        }
    }

    // ------------------------------------------------------------------------------------ tests

    @Test
    void aKilledBackendTurnsRedAndDrainWorksThroughARealHalb() throws Exception {
        TestBackend b1 = closeLater(TestBackend.start("b1"));
        TestBackend b2 = closeLater(TestBackend.start("b2"));
        TestBackend b3 = closeLater(TestBackend.builder("b3").delay(Duration.ofMillis(20)).start());
        HalbFixture halb = closeLater(HalbFixture.start("""
                event_loops: 2
                admin: {bind: "127.0.0.1:0"}
                listeners:
                  - {name: web, bind: "127.0.0.1:0", mode: http, pool: web}
                pools:
                  - name: web
                    algorithm: round_robin
                    health: {type: http, path: /healthz, interval: 200ms, timeout: 100ms, rise: 2, fall: 2}
                    retries: 2
                    servers:
                      - {name: b1, address: "{{b1}}", weight: 2}
                      - {name: b2, address: "{{b2}}"}
                      - {name: b3, address: "{{b3}}"}
                timeouts: {connect: 1s, header_read: 10s, client_idle: 30s, server: 10s, upstream_idle: 30s, shutdown: 1s}
                """, Map.of("b1", b1, "b2", b2, "b3", b3)));
        ClientLoad load = closeLater(ClientLoad.start(halb.address("web"), 2, Duration.ofMillis(5), ClientLoad::get));
        InetSocketAddress admin = halb.halb().adminAddress().orElseThrow();

        browser.get(page(admin));
        for (String server : List.of("b1", "b2", "b3")) {
            awaitState("web", server, "up");
        }

        long killed = System.nanoTime();
        closeAfterEach.remove(b2);
        b2.close();

        // Two failed checks 200 ms apart, plus the first check's jitter: well within a few seconds.
        awaitState("web", "b2", "down");
        System.out.printf("DASHBOARD b2 shown down %d ms after it was killed%n", (System.nanoTime() - killed) / 1_000_000);
        assertThat(row("web", "b2").getText()).contains("checks failing");
        await().atMost(QUICKLY).ignoreException(StaleElementReferenceException.class).untilAsserted(() ->
                assertThat(text("event-log")).contains("web/b2"));

        button("drain", "web", "b3").click();

        awaitState("web", "b3", "drain");
        assertThat(server(admin, Optional.empty(), "web", "b3").get("admin_state").asText()).isEqualTo("drain");
        assertThat(server(admin, Optional.empty(), "web", "b3").get("state").asText()).isEqualTo("drain");

        // Enough samples for the sparklines to show a trend, then a picture for people to look at.
        await().atMost(Duration.ofSeconds(15)).ignoreException(StaleElementReferenceException.class).until(() ->
                samples("web", "b1") >= 10);
        assertThat(load.completed()).isPositive();
        Path shot = TARGET.resolve("dashboard.png");
        screenshot(shot);
        System.out.println("DASHBOARD screenshot " + shot.toAbsolutePath());
    }

    @Test
    void showsEveryServerWithItsStateAndFollowsEvents() {
        MemoryPlane plane = MemoryPlane.webPool();
        plane.set("web", "b2", s -> s.down("connection refused"));
        plane.set("web", "b3", s -> s.adminState("drain"));
        AdminServer admin = start(plane, Optional.empty());

        browser.get(page(admin.address()));

        awaitState("web", "b1", "up");
        awaitState("web", "b2", "down");
        awaitState("web", "b3", "drain");
        assertThat(badge("web", "b2").getText()).as("the state as text, not colour only").isEqualToIgnoringCase("down");
        assertThat(row("web", "b2").getText()).contains("checks failing", "connection refused");
        assertThat(text("status-version")).isEqualTo("0.1.0-test");
        assertThat(text("status-role")).isEqualTo("standalone");
        assertThat(browser.findElement(By.cssSelector("[data-testid=cluster-role]")).getText()).contains("Standalone");

        plane.set("web", "b1", s -> s.down("connection refused"));
        plane.publish(new AdminEvent(System.currentTimeMillis(), "server_state", "web", "b1",
                "down after 2 failed checks: connection refused"));

        awaitState("web", "b1", "down");
        await().atMost(QUICKLY).ignoreException(StaleElementReferenceException.class).untilAsserted(() ->
                assertThat(browser.findElement(By.cssSelector("[data-testid=event-log]")).getText())
                        .contains("web/b1 down after 2 failed checks: connection refused"));
    }

    @Test
    void drainButtonDrainsTheServer() throws Exception {
        MemoryPlane plane = MemoryPlane.webPool();
        AdminServer admin = start(plane, Optional.empty());
        browser.get(page(admin.address()));
        awaitState("web", "b1", "up");

        button("drain", "web", "b1").click();

        awaitState("web", "b1", "drain");
        assertThat(server(admin.address(), Optional.empty(), "web", "b1").get("admin_state").asText()).isEqualTo("drain");
        assertThat(button("drain", "web", "b1").getAttribute("aria-pressed")).isEqualTo("true");

        button("ready", "web", "b1").click();

        awaitState("web", "b1", "up");
        assertThat(server(admin.address(), Optional.empty(), "web", "b1").get("admin_state").asText()).isEqualTo("ready");
    }

    @Test
    void asksForTheTokenAndKeepsItForTheTab() throws Exception {
        MemoryPlane plane = MemoryPlane.webPool();
        String token = "dashboard-test-token";
        AdminServer admin = start(plane, Optional.of(token));
        browser.get(page(admin.address()));

        WebElement form = browser.findElement(By.cssSelector("[data-testid=token-form]"));
        await().atMost(QUICKLY).until(form::isDisplayed);
        assertThat(browser.findElements(By.cssSelector("[data-testid=server-web-b1]"))).isEmpty();

        enterToken("not-the-token");
        await().atMost(QUICKLY).until(() -> form.isDisplayed() && "true".equals(form.getAttribute("data-refused")));
        assertThat(form.getText()).contains("refused");

        enterToken(token);
        awaitState("web", "b1", "up");
        assertThat(form.isDisplayed()).isFalse();

        button("maint", "web", "b2").click();
        awaitState("web", "b2", "maint");
        assertThat(server(admin.address(), Optional.of(token), "web", "b2").get("admin_state").asText()).isEqualTo("maint");

        // The token stays with the tab (sessionStorage): a reload asks no more.
        browser.navigate().refresh();
        awaitState("web", "b2", "maint");
        assertThat(browser.findElement(By.cssSelector("[data-testid=token-form]")).isDisplayed()).isFalse();
    }

    // -------------------------------------------------------------------------------- browser

    private static String page(InetSocketAddress admin) {
        return "http://127.0.0.1:" + admin.getPort() + "/dashboard/";
    }

    private void awaitState(String pool, String server, String state) {
        await().atMost(QUICKLY)
                .ignoreException(StaleElementReferenceException.class)
                .ignoreException(org.openqa.selenium.NoSuchElementException.class)
                .untilAsserted(() -> {
                    assertThat(row(pool, server).getAttribute("data-state")).as(pool + "/" + server + " row").isEqualTo(state);
                    assertThat(badge(pool, server).getAttribute("data-state")).as(pool + "/" + server + " badge").isEqualTo(state);
                });
    }

    private WebElement row(String pool, String server) {
        return browser.findElement(By.cssSelector("[data-testid='server-" + pool + "-" + server + "']"));
    }

    private WebElement badge(String pool, String server) {
        return browser.findElement(By.cssSelector("[data-testid='state-" + pool + "-" + server + "']"));
    }

    private WebElement button(String state, String pool, String server) {
        return browser.findElement(By.cssSelector("[data-testid='" + state + "-" + pool + "-" + server + "']"));
    }

    private String text(String testId) {
        return browser.findElement(By.cssSelector("[data-testid='" + testId + "']")).getText();
    }

    /** How many requests/s samples the server's sparkline holds. */
    private int samples(String pool, String server) {
        String n = row(pool, server).findElement(By.cssSelector("canvas.spark-rps")).getAttribute("data-samples");
        return n == null ? 0 : Integer.parseInt(n);
    }

    private void enterToken(String token) {
        WebElement input = browser.findElement(By.cssSelector("[data-testid=token-input]"));
        input.clear();
        input.sendKeys(token);
        browser.findElement(By.cssSelector("[data-testid=token-submit]")).click();
    }

    private void screenshot(Path file) throws IOException {
        Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, file, StandardCopyOption.REPLACE_EXISTING);
    }

    // ---------------------------------------------------------------------------- admin API

    private AdminServer start(ControlPlane plane, Optional<String> token) {
        return closeLater(AdminServer.start(group, transport.serverChannel(), "127.0.0.1", 0, token, plane, () -> ""));
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        closeAfterEach.add(resource);
        return resource;
    }

    /** A server as {@code GET /api/v1/pools} shows it. */
    private JsonNode server(InetSocketAddress admin, Optional<String> token, String pool, String server)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + admin.getPort() + "/api/v1/pools")).timeout(QUICKLY);
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        for (JsonNode p : JSON.readTree(response.body())) {
            if (p.get("name").asText().equals(pool)) {
                for (JsonNode s : p.get("servers")) {
                    if (s.get("name").asText().equals(server)) {
                        return s;
                    }
                }
            }
        }
        throw new AssertionError("no server " + pool + "/" + server + " in " + response.body());
    }

    // -------------------------------------------------------------------------- control plane

    /**
     * Pools and servers in memory: the test sets what the API shows and which events it publishes.
     * Thread-safe: every method is synchronized, listeners are a copy-on-write list.
     */
    static final class MemoryPlane implements ControlPlane {

        private final long started = System.currentTimeMillis();
        private final Map<String, Map<String, MemoryServer>> pools = new LinkedHashMap<>();
        private final List<Consumer<AdminEvent>> listeners = new CopyOnWriteArrayList<>();

        /** Pool {@code web} with servers b1, b2, b3, all up. */
        static MemoryPlane webPool() {
            MemoryPlane plane = new MemoryPlane();
            for (int i = 1; i <= 3; i++) {
                plane.add("web", new MemoryServer("b" + i, "127.0.0.1:" + (9000 + i)));
            }
            return plane;
        }

        synchronized void add(String pool, MemoryServer server) {
            pools.computeIfAbsent(pool, p -> new LinkedHashMap<>()).put(server.name, server);
        }

        synchronized void set(String pool, String server, Consumer<MemoryServer> change) {
            change.accept(find(pool, server));
        }

        void publish(AdminEvent event) {
            listeners.forEach(l -> l.accept(event));
        }

        @Override
        public synchronized StatusView status() {
            long now = System.currentTimeMillis();
            long requests = pools.values().stream().flatMap(p -> p.values().stream()).mapToLong(s -> s.requests).sum();
            return new StatusView("0.1.0-test", started, now - started, "test-node", "standalone", "halb-test.yaml",
                    started, "nio", 1, 3, requests);
        }

        @Override
        public List<ListenerView> listeners() {
            return List.of(new ListenerView("web", "127.0.0.1:8080", "http", "web", 0));
        }

        @Override
        public synchronized List<PoolView> pools() {
            List<PoolView> views = new ArrayList<>();
            pools.forEach((name, servers) -> views.add(new PoolView(name, "round_robin", "none", "tcp", 1, 0,
                    servers.values().stream().map(MemoryServer::view).toList())));
            return views;
        }

        @Override
        public void setServerState(String pool, String server, String state) {
            if (!List.of("ready", "drain", "maint").contains(state)) {
                throw new IllegalArgumentException("state: '" + state + "' (expected: ready, drain or maint)");
            }
            set(pool, server, s -> s.adminState(state));
            publish(new AdminEvent(System.currentTimeMillis(), "server_state", pool, server, "set " + state));
        }

        @Override
        public void setServerWeight(String pool, String server, int weight) {
            throw new UnsupportedOperationException("not used by the dashboard");
        }

        @Override
        public void addServer(String pool, ServerConfig server) {
            throw new UnsupportedOperationException("not used by the dashboard");
        }

        @Override
        public void removeServer(String pool, String server) {
            throw new UnsupportedOperationException("not used by the dashboard");
        }

        @Override
        public ReloadResult reload() {
            throw new UnsupportedOperationException("not used by the dashboard");
        }

        @Override
        public Object effectiveConfig() {
            return Map.of();
        }

        @Override
        public Runnable subscribe(Consumer<AdminEvent> listener) {
            listeners.add(listener);
            return () -> listeners.remove(listener);
        }

        private MemoryServer find(String pool, String server) {
            Map<String, MemoryServer> servers = pools.get(pool);
            if (servers == null) {
                throw new NotFoundException("no pool '" + pool + "'");
            }
            MemoryServer s = servers.get(server);
            if (s == null) {
                throw new NotFoundException("no server '" + server + "' in pool '" + pool + "'");
            }
            return s;
        }
    }

    /** A server's numbers, changed by the test under the plane's lock. */
    static final class MemoryServer {
        final String name;
        final String address;
        String adminState = "ready";
        boolean healthy = true;
        String lastCheck = "status 200";
        long requests;
        long failures;

        MemoryServer(String name, String address) {
            this.name = name;
            this.address = address;
        }

        void adminState(String state) {
            adminState = state;
        }

        void down(String reason) {
            healthy = false;
            lastCheck = reason;
        }

        ServerView view() {
            String state = !healthy ? "down" : adminState.equals("ready") ? "up" : adminState;
            // Every read looks like a little traffic, so the requests/s column has something to show.
            requests += 7;
            return new ServerView(name, address, false, state, adminState, healthy, false, lastCheck, 1, 1, 100, 0,
                    healthy ? 1 : 0, requests, failures, 2.5, 0);
        }
    }
}

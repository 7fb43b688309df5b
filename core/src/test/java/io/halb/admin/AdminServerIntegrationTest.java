package io.halb.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.halb.config.ServerConfig;
import io.halb.proxy.Transport;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Every REST route of the admin listener, over real HTTP, against an in-memory control plane. */
class AdminServerIntegrationTest {

    static final ObjectMapper JSON = new ObjectMapper();

    private Running admin;

    @BeforeEach
    void start() {
        admin = Running.start(new FakePlane(), Optional.empty());
    }

    @AfterEach
    void stop() {
        admin.close();
        assertThat(admin.plane.threads).as("threads that called the control plane").isSubsetOf("halb-admin");
    }

    @Test
    void statusIsTheControlPlanesStatusInSnakeCase() throws Exception {
        HttpResponse<String> r = admin.get("/api/v1/status");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
        JsonNode status = JSON.readTree(r.body());
        assertThat(status.get("version").asText()).isEqualTo("0.1.0-test");
        assertThat(status.get("uptime_millis").asLong()).isEqualTo(5000);
        assertThat(status.get("open_connections").asInt()).isEqualTo(2);
        assertThat(status.get("requests_total").asLong()).isEqualTo(42);
    }

    @Test
    void listenersAndPoolsAreListed() throws Exception {
        JsonNode listeners = JSON.readTree(admin.get("/api/v1/listeners").body());
        assertThat(listeners.isArray()).isTrue();
        assertThat(listeners.get(0).get("name").asText()).isEqualTo("web");
        assertThat(listeners.get(0).get("bind").asText()).isEqualTo("127.0.0.1:8080");

        JsonNode pools = JSON.readTree(admin.get("/api/v1/pools").body());
        assertThat(pools).extracting(p -> p.get("name").asText()).containsExactly("web", "api");
        assertThat(pools.get(0).get("servers")).extracting(s -> s.get("name").asText())
                .containsExactly("web1", "web2", "sorry");
        assertThat(pools.get(0).get("servers").get(0).get("base_weight").asInt()).isEqualTo(3);
    }

    @Test
    void onePoolOneServerAndAPoolsServers() throws Exception {
        HttpResponse<String> pool = admin.get("/api/v1/pools/web");
        assertThat(pool.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(pool.body()).get("algorithm").asText()).isEqualTo("round_robin");

        HttpResponse<String> server = admin.get("/api/v1/pools/web/servers/web2");
        assertThat(server.statusCode()).isEqualTo(200);
        JsonNode web2 = JSON.readTree(server.body());
        assertThat(web2.get("address").asText()).isEqualTo("10.0.0.12:8080");
        assertThat(web2.get("admin_state").asText()).isEqualTo("ready");

        JsonNode servers = JSON.readTree(admin.get("/api/v1/pools/api/servers").body());
        assertThat(servers).extracting(s -> s.get("name").asText()).containsExactly("api1");
    }

    @Test
    void unknownPoolOrServerIsNotFound() throws Exception {
        HttpResponse<String> pool = admin.get("/api/v1/pools/nope");
        assertThat(pool.statusCode()).isEqualTo(404);
        assertThat(error(pool)).isEqualTo("no pool 'nope'");

        HttpResponse<String> server = admin.get("/api/v1/pools/web/servers/nope");
        assertThat(server.statusCode()).isEqualTo(404);
        assertThat(error(server)).isEqualTo("pool 'web': no server 'nope'");

        HttpResponse<String> put = admin.send("PUT", "/api/v1/pools/web/servers/nope/state", "{\"state\":\"drain\"}");
        assertThat(put.statusCode()).isEqualTo(404);
        assertThat(admin.plane.changes).isEmpty();
    }

    @Test
    void settingAServersStateAnswersTheServerAsItIsNow() throws Exception {
        HttpResponse<String> r = admin.send("PUT", "/api/v1/pools/web/servers/web1/state", "{\"state\": \"drain\"}");

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode web1 = JSON.readTree(r.body());
        assertThat(web1.get("name").asText()).isEqualTo("web1");
        assertThat(web1.get("admin_state").asText()).isEqualTo("drain");
        assertThat(admin.plane.changes).containsExactly("state web/web1 drain");
        assertThat(admin.plane.server("web", "web1").adminState()).isEqualTo("drain");
    }

    @Test
    void aBadStateBodyIsABadRequestNamingTheField() throws Exception {
        assertBadRequest("PUT", "/api/v1/pools/web/servers/web1/state", "{\"state\": \"sleep\"}",
                "state: 'sleep' (expected: ready, drain or maint)");
        assertBadRequest("PUT", "/api/v1/pools/web/servers/web1/state", "{}", "state: missing (expected: a string)");
        assertBadRequest("PUT", "/api/v1/pools/web/servers/web1/state", "{\"state\": 1}", "state: 1 (expected: a string)");
        assertBadRequest("PUT", "/api/v1/pools/web/servers/web1/state", "{\"state\": \"drain\", \"why\": \"x\"}",
                "why: unknown field (expected: state)");
        assertBadRequest("PUT", "/api/v1/pools/web/servers/web1/state", "", "body: empty (expected: a JSON object)");
        assertBadRequest("PUT", "/api/v1/pools/web/servers/web1/state", "[\"drain\"]", "body: array (expected: a JSON object)");
        HttpResponse<String> notJson = admin.send("PUT", "/api/v1/pools/web/servers/web1/state", "{state: drain");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(error(notJson)).startsWith("body: not JSON: ");
        assertThat(admin.plane.changes).isEmpty();
    }

    @Test
    void settingAWeight() throws Exception {
        HttpResponse<String> r = admin.send("PUT", "/api/v1/pools/web/servers/web2/weight", "{\"weight\": 7}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("base_weight").asInt()).isEqualTo(7);
        assertThat(admin.plane.changes).containsExactly("weight web/web2 7");

        assertBadRequest("PUT", "/api/v1/pools/web/servers/web2/weight", "{\"weight\": \"7\"}",
                "weight: \"7\" (expected: an integer)");
        assertBadRequest("PUT", "/api/v1/pools/web/servers/web2/weight", "{\"weight\": 2.5}",
                "weight: 2.5 (expected: an integer)");
        assertBadRequest("PUT", "/api/v1/pools/web/servers/web2/weight", "{\"weight\": 300}",
                "weight: 300 (expected: 0..256, 0 takes the server out of rotation)");
        assertThat(admin.plane.changes).containsExactly("weight web/web2 7");
    }

    @Test
    void addingAServerAnswersCreatedWithItsLocation() throws Exception {
        HttpResponse<String> r = admin.send("POST", "/api/v1/pools/web/servers",
                "{\"name\": \"web3\", \"address\": \"10.0.0.13:8080\", \"weight\": 2, \"backup\": false, \"max_connections\": 100}");

        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(r.headers().firstValue("location")).hasValue("/api/v1/pools/web/servers/web3");
        JsonNode web3 = JSON.readTree(r.body());
        assertThat(web3.get("address").asText()).isEqualTo("10.0.0.13:8080");
        assertThat(web3.get("max_connections").asInt()).isEqualTo(100);
        assertThat(admin.plane.added).containsExactly(
                new ServerConfig("web3", io.halb.config.HostPort.parse("10.0.0.13:8080"), 2, false, 100));
        assertThat(admin.get("/api/v1/pools/web/servers/web3").statusCode()).isEqualTo(200);
    }

    @Test
    void anAddedServerGetsTheDefaultsOfTheConfigurationFile() throws Exception {
        HttpResponse<String> r = admin.send("POST", "/api/v1/pools/api/servers",
                "{\"name\": \"api2\", \"address\": \"[::1]:9000\"}");

        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(admin.plane.added).containsExactly(
                new ServerConfig("api2", io.halb.config.HostPort.parse("[::1]:9000"), 1, false, 0));
    }

    @Test
    void anInvalidServerIsABadRequestNamingTheField() throws Exception {
        String path = "/api/v1/pools/web/servers";
        assertBadRequest("POST", path, "{\"address\": \"10.0.0.13:8080\"}", "name: missing (expected: a string)");
        assertBadRequest("POST", path, "{\"name\": \"web3\"}", "address: missing (expected: a string)");
        assertBadRequest("POST", path, "{\"name\": \"web3\", \"address\": \"10.0.0.13\"}",
                "address: '10.0.0.13' (expected: host:port or [v6]:port)");
        assertBadRequest("POST", path, "{\"name\": \"web3\", \"address\": \"10.0.0.13:0\"}",
                "address: port 0 (expected: the server's port, 1..65535)");
        assertBadRequest("POST", path, "{\"name\": \"web3\", \"address\": \"10.0.0.13:80\", \"weight\": 0}",
                "weight: 0 (expected: 1..256)");
        assertBadRequest("POST", path, "{\"name\": \"web3\", \"address\": \"10.0.0.13:80\", \"backup\": \"yes\"}",
                "backup: \"yes\" (expected: true or false)");
        assertBadRequest("POST", path, "{\"name\": \"web3\", \"address\": \"10.0.0.13:80\", \"max_connections\": -1}",
                "max_connections: -1 (expected: 0..1000000, 0 = no limit)");
        assertBadRequest("POST", path, "{\"name\": \"web 3\", \"address\": \"10.0.0.13:80\"}",
                "server name: 'web 3' (expected: 1-64 of letters, digits, '_', '.', '-', starting with a letter or digit)");
        assertBadRequest("POST", path, "{\"name\": \"web3\", \"address\": \"10.0.0.13:80\", \"maxConnections\": 1}",
                "maxConnections: unknown field (expected: address, backup, max_connections, name, weight)");
        assertBadRequest("POST", path, "{\"name\": \"web1\", \"address\": \"10.0.0.13:80\"}",
                "pool 'web': a server named 'web1' exists");
        assertThat(admin.plane.added).isEmpty();

        HttpResponse<String> unknownPool = admin.send("POST", "/api/v1/pools/nope/servers",
                "{\"name\": \"web3\", \"address\": \"10.0.0.13:80\"}");
        assertThat(unknownPool.statusCode()).isEqualTo(404);
    }

    @Test
    void removingAServerAnswersNoContent() throws Exception {
        HttpResponse<String> r = admin.send("DELETE", "/api/v1/pools/web/servers/web2", null);

        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.body()).isEmpty();
        assertThat(admin.get("/api/v1/pools/web/servers/web2").statusCode()).isEqualTo(404);
        assertThat(admin.send("DELETE", "/api/v1/pools/web/servers/web2", null).statusCode()).isEqualTo(404);

        HttpResponse<String> last = admin.send("DELETE", "/api/v1/pools/api/servers/api1", null);
        assertThat(last.statusCode()).isEqualTo(400);
        assertThat(error(last)).isEqualTo("pool 'api': api1 is its last primary server");
    }

    @Test
    void anAppliedReloadIsOkARefusedOneUnprocessable() throws Exception {
        HttpResponse<String> applied = admin.send("POST", "/api/v1/reload", null);
        assertThat(applied.statusCode()).isEqualTo(200);
        JsonNode a = JSON.readTree(applied.body());
        assertThat(a.get("applied").asBoolean()).isTrue();
        assertThat(a.get("changes").get(0).asText()).isEqualTo("pool web: server web3 added");

        admin.plane.reloadResult = new ReloadResult(false, List.of("halb.yaml:3:5: pools[0].retries: -1 (expected: 0..10)"), List.of());
        HttpResponse<String> refused = admin.send("POST", "/api/v1/reload", null);
        assertThat(refused.statusCode()).isEqualTo(422);
        JsonNode r = JSON.readTree(refused.body());
        assertThat(r.get("applied").asBoolean()).isFalse();
        assertThat(r.get("errors").get(0).asText()).startsWith("halb.yaml:3:5:");
        assertThat(admin.plane.changes).containsExactly("reload", "reload");
    }

    @Test
    void theEffectiveConfigurationIsJson() throws Exception {
        HttpResponse<String> r = admin.get("/api/v1/config");

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode config = JSON.readTree(r.body());
        assertThat(config.get("admin").get("token_file").asText()).isEqualTo("<redacted>");
        assertThat(config.get("pools").get(0).get("name").asText()).isEqualTo("web");
    }

    @Test
    void metricsAreThePrometheusTextFormat() throws Exception {
        HttpResponse<String> r = admin.get("/metrics");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(r.body()).isEqualTo(Running.METRICS);
    }

    @Test
    void unknownPathsAreNotFoundAndWrongMethodsNotAllowed() throws Exception {
        HttpResponse<String> api = admin.get("/api/v1/nope");
        assertThat(api.statusCode()).isEqualTo(404);
        assertThat(error(api)).isEqualTo("no such API path: /api/v1/nope");
        assertThat(admin.get("/api/v2/status").statusCode()).isEqualTo(404);
        assertThat(admin.get("/api/v1/pools/web/members").statusCode()).isEqualTo(404);
        assertThat(admin.get("/api/v1/pools/web/servers/web1/color").statusCode()).isEqualTo(404);
        assertThat(error(admin.get("/favicon.ico"))).isEqualTo("no such path: /favicon.ico");

        HttpResponse<String> deleteStatus = admin.send("DELETE", "/api/v1/status", null);
        assertThat(deleteStatus.statusCode()).isEqualTo(405);
        assertThat(deleteStatus.headers().firstValue("allow")).hasValue("GET");
        assertThat(error(deleteStatus)).isEqualTo("method DELETE not allowed here (allowed: GET)");

        HttpResponse<String> getReload = admin.get("/api/v1/reload");
        assertThat(getReload.statusCode()).isEqualTo(405);
        assertThat(getReload.headers().firstValue("allow")).hasValue("POST");

        assertThat(admin.send("PUT", "/api/v1/pools/web/servers", "{}").headers().firstValue("allow")).hasValue("GET, POST");
        assertThat(admin.send("POST", "/api/v1/pools/web/servers/web1", "{}").headers().firstValue("allow")).hasValue("GET, DELETE");
        assertThat(admin.get("/api/v1/pools/web/servers/web1/state").headers().firstValue("allow")).hasValue("PUT");
        assertThat(admin.send("POST", "/metrics", "").statusCode()).isEqualTo(405);
        assertThat(admin.send("POST", "/api/v1/events", "").statusCode()).isEqualTo(405);
        assertThat(admin.plane.changes).isEmpty();
    }

    @Test
    void aTrailingSlashAndAQueryStringDoNotMatter() throws Exception {
        assertThat(admin.get("/api/v1/pools/").statusCode()).isEqualTo(200);
        assertThat(admin.get("/api/v1/pools/web?verbose=1").statusCode()).isEqualTo(200);
        assertThat(admin.get("/api/v1/pools/w%65b").statusCode()).isEqualTo(200);
    }

    @Test
    void aBodyOverOneMebibyteIsRefused() throws Exception {
        String big = "{\"state\": \"" + "x".repeat(AdminServer.MAX_REQUEST_BYTES) + "\"}";
        HttpResponse<String> r = admin.send("PUT", "/api/v1/pools/web/servers/web1/state", big);

        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(admin.plane.changes).isEmpty();
        assertThat(admin.get("/api/v1/status").statusCode()).isEqualTo(200);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawClient c = RawClient.connect(admin.server.address())) {
            // A control-plane call, an answer from the event loop, a file lookup, another plane call.
            c.write(RawClient.get("127.0.0.1", "/api/v1/status") + RawClient.get("127.0.0.1", "/nope")
                    + RawClient.get("127.0.0.1", "/dashboard/no-such.js") + RawClient.get("127.0.0.1", "/api/v1/pools/api"));

            RawResponse status = c.readResponse();
            assertThat(status.status()).isEqualTo(200);
            assertThat(status.bodyText()).contains("\"version\":\"0.1.0-test\"");
            assertThat(c.readResponse().bodyText()).contains("no such path: /nope");
            assertThat(c.readResponse().bodyText()).contains("no such dashboard file");
            RawResponse pool = c.readResponse();
            assertThat(pool.status()).isEqualTo(200);
            assertThat(pool.bodyText()).contains("\"name\":\"api\"");
        }
    }

    @Test
    void anHttp10RequestIsAnsweredAndTheConnectionClosed() throws Exception {
        try (RawClient c = RawClient.connect(admin.server.address())) {
            String response = new String(c.write("GET /api/v1/listeners HTTP/1.0\r\n\r\n").readUntilClose(),
                    StandardCharsets.ISO_8859_1);
            assertThat(response).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("connection: close")
                    .contains("\"bind\":\"127.0.0.1:8080\"");
        }
    }

    @Test
    void aMalformedRequestIsABadRequestAndTheConnectionClosed() throws Exception {
        try (RawClient c = RawClient.connect(admin.server.address())) {
            String response = new String(c.write("GET /api/v1/status HTTP/1.1\r\nHost 127.0.0.1\r\nContent-Length: x\r\n\r\n")
                    .readUntilClose(), StandardCharsets.ISO_8859_1);
            assertThat(response).startsWith("HTTP/1.1 400 Bad Request").contains("malformed request");
        }
        assertThat(admin.plane.threads).isEmpty();
    }

    private void assertBadRequest(String method, String path, String body, String message) throws Exception {
        HttpResponse<String> r = admin.send(method, path, body);
        assertThat(r.statusCode()).as(method + " " + path + " " + body).isEqualTo(400);
        assertThat(error(r)).isEqualTo(message);
    }

    static String error(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body()).get("error").asText();
    }

    /** An admin server on 127.0.0.1:0 over a {@link FakePlane}, one event loop, and a JDK HTTP client. */
    static final class Running implements AutoCloseable {

        static final String METRICS = "# TYPE halb_requests_total counter\nhalb_requests_total 42\n";

        final FakePlane plane;
        final EventLoopGroup group;
        final AdminServer server;
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();

        private Running(FakePlane plane, EventLoopGroup group, AdminServer server) {
            this.plane = plane;
            this.group = group;
            this.server = server;
        }

        static Running start(FakePlane plane, Optional<String> token) {
            return start(plane, token, AdminServer.PING_INTERVAL, AdminServer.class.getClassLoader(), () -> METRICS);
        }

        /** One event loop, so anything that blocked it would delay every other request. */
        static Running start(FakePlane plane, Optional<String> token, Duration ping, ClassLoader files,
                             Supplier<String> metrics) {
            Transport transport = Transport.best();
            EventLoopGroup group = transport.newGroup(1, "admin-test-io");
            AdminServer server = AdminServer.start(group, transport.serverChannel(), "127.0.0.1", 0, token, plane,
                    metrics, ping, files);
            return new Running(plane, group, server);
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
        }

        HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
            return send("GET", path, null, headers);
        }

        /** {@code body} null sends none. */
        HttpResponse<String> send(String method, String path, String body, String... headers)
                throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) {
                b.header("Content-Type", "application/json");
            }
            for (int i = 0; i < headers.length; i += 2) {
                b.header(headers[i], headers[i + 1]);
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        @Override
        public void close() {
            server.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * A control plane kept in memory: two pools, a reload result set by the test, events published by
     * the test or by its own changes. Records which threads call it and every change it makes.
     */
    static final class FakePlane implements ControlPlane {

        final Set<String> threads = ConcurrentHashMap.newKeySet();
        final List<String> changes = new CopyOnWriteArrayList<>();
        final List<ServerConfig> added = new CopyOnWriteArrayList<>();
        final List<Consumer<AdminEvent>> subscribers = new CopyOnWriteArrayList<>();
        volatile ReloadResult reloadResult = new ReloadResult(true, List.of(), List.of("pool web: server web3 added"));
        /** Every call sleeps this long after counting down {@link #entered}: a plane busy writing a file. */
        volatile Duration slowness = Duration.ZERO;
        final CountDownLatch entered = new CountDownLatch(1);
        /** When set, every call waits (up to 20 s) for it to open: a plane stuck in a long reload. */
        volatile CountDownLatch gate;

        /** Guarded by this. */
        private final Map<String, List<ServerView>> pools = new LinkedHashMap<>();

        FakePlane() {
            pools.put("web", new ArrayList<>(List.of(
                    view("web1", "10.0.0.11:8080", false, 3),
                    view("web2", "10.0.0.12:8080", false, 1),
                    view("sorry", "10.0.0.99:8080", true, 1))));
            pools.put("api", new ArrayList<>(List.of(view("api1", "10.0.1.1:9000", false, 1))));
        }

        static ServerView view(String name, String address, boolean backup, int weight) {
            return new ServerView(name, address, backup, "up", "ready", true, false, "", weight, weight, 100, 0, 0,
                    0, 0, 0.0, 0);
        }

        void publish(AdminEvent event) {
            subscribers.forEach(s -> s.accept(event));
        }

        synchronized ServerView server(String pool, String name) {
            return servers(pool).stream().filter(s -> s.name().equals(name)).findFirst()
                    .orElseThrow(() -> new NotFoundException("pool '" + pool + "': no server '" + name + "'"));
        }

        private List<ServerView> servers(String pool) {
            List<ServerView> servers = pools.get(pool);
            if (servers == null) {
                throw new NotFoundException("no pool '" + pool + "'");
            }
            return servers;
        }

        private void enter() {
            threads.add(Thread.currentThread().getName());
            entered.countDown();
            CountDownLatch g = gate;
            if (g != null) {
                try {
                    g.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (!slowness.isZero()) {
                try {
                    Thread.sleep(slowness.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public StatusView status() {
            enter();
            return new StatusView("0.1.0-test", 1_000, 5_000, "lb1", "standalone", "halb.yaml", 2_000, "nio", 1, 2, 42);
        }

        @Override
        public List<ListenerView> listeners() {
            enter();
            return List.of(new ListenerView("web", "127.0.0.1:8080", "http", "web", 1));
        }

        @Override
        public synchronized List<PoolView> pools() {
            enter();
            List<PoolView> out = new ArrayList<>();
            pools.forEach((name, servers) -> out.add(new PoolView(name, "round_robin", "none", "none", 2, 0,
                    List.copyOf(servers))));
            return out;
        }

        @Override
        public void setServerState(String pool, String server, String state) {
            enter();
            synchronized (this) {
                ServerView s = server(pool, server);
                replace(pool, s, new ServerView(s.name(), s.address(), s.backup(), state.equals("ready") ? "up" : state,
                        state, s.healthy(), s.ejected(), s.lastCheck(), s.weight(), s.baseWeight(), s.rampPercent(),
                        s.maxConnections(), s.inFlight(), s.requests(), s.failures(), s.responseMillis(),
                        s.stateChanges() + 1));
                changes.add("state " + pool + "/" + server + " " + state);
            }
            publish(new AdminEvent(System.currentTimeMillis(), "server_state", pool, server, "set to " + state + " by an operator"));
        }

        @Override
        public void setServerWeight(String pool, String server, int weight) {
            enter();
            synchronized (this) {
                ServerView s = server(pool, server);
                replace(pool, s, new ServerView(s.name(), s.address(), s.backup(), s.state(), s.adminState(),
                        s.healthy(), s.ejected(), s.lastCheck(), weight, weight, s.rampPercent(), s.maxConnections(),
                        s.inFlight(), s.requests(), s.failures(), s.responseMillis(), s.stateChanges()));
                changes.add("weight " + pool + "/" + server + " " + weight);
            }
        }

        @Override
        public synchronized void addServer(String pool, ServerConfig server) {
            enter();
            List<ServerView> servers = servers(pool);
            if (servers.stream().anyMatch(s -> s.name().equals(server.name()))) {
                throw new IllegalArgumentException("pool '" + pool + "': a server named '" + server.name() + "' exists");
            }
            servers.add(new ServerView(server.name(), server.address().toString(), server.backup(), "up", "ready", true,
                    false, "", server.weight(), server.weight(), 100, server.maxConnections(), 0, 0, 0, 0.0, 0));
            added.add(server);
        }

        @Override
        public synchronized void removeServer(String pool, String server) {
            enter();
            ServerView s = server(pool, server);
            if (!s.backup() && servers(pool).stream().filter(v -> !v.backup()).count() == 1) {
                throw new IllegalArgumentException("pool '" + pool + "': " + server + " is its last primary server");
            }
            servers(pool).remove(s);
            changes.add("remove " + pool + "/" + server);
        }

        private void replace(String pool, ServerView old, ServerView now) {
            List<ServerView> servers = servers(pool);
            servers.set(servers.indexOf(old), now);
        }

        @Override
        public ReloadResult reload() {
            enter();
            changes.add("reload");
            return reloadResult;
        }

        @Override
        public Object effectiveConfig() {
            enter();
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("admin", Map.of("bind", "127.0.0.1:9090", "token_file", "<redacted>"));
            config.put("pools", List.of(Map.of("name", "web", "algorithm", "round_robin")));
            return config;
        }

        @Override
        public Runnable subscribe(Consumer<AdminEvent> listener) {
            enter();
            subscribers.add(listener);
            return () -> {
                threads.add(Thread.currentThread().getName());
                subscribers.remove(listener);
            };
        }
    }
}

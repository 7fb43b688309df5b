package io.halb.proxy;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Routes by Host and path prefix: the first matching route picks the pool, else the listener's default. */
class RoutingIntegrationTest {

    private static TestBackend web;
    private static TestBackend api;
    private static TestBackend statics;
    private static TestBackend shadowed;
    private static HalbFixture halb;

    @BeforeAll
    static void start() throws Exception {
        web = TestBackend.start("web");
        api = TestBackend.start("api");
        statics = TestBackend.start("static");
        shadowed = TestBackend.start("shadowed");
        halb = HalbFixture.start("""
                event_loops: 2
                admin: {bind: "127.0.0.1:0"}
                listeners:
                  - name: front
                    bind: "127.0.0.1:0"
                    pool: web
                    routes:
                      - {host: api.example.com, pool: api}
                      - {path_prefix: /static/, pool: static}
                      - {host: api.example.com, path_prefix: /static/, pool: shadowed}
                      - {host: "*.example.org", pool: static}
                pools:
                  - {name: web, servers: [{name: web, address: "{{web}}"}]}
                  - {name: api, servers: [{name: api, address: "{{api}}"}]}
                  - {name: static, servers: [{name: static, address: "{{static}}"}]}
                  - {name: shadowed, servers: [{name: shadowed, address: "{{shadowed}}"}]}
                """, Map.of("web", web, "api", api, "static", statics, "shadowed", shadowed));
    }

    @AfterAll
    static void stop() {
        if (halb != null) {
            halb.close();
        }
        for (TestBackend b : new TestBackend[] {web, api, statics, shadowed}) {
            if (b != null) {
                b.close();
            }
        }
    }

    @Test
    void routesByHost() throws Exception {
        assertThat(backendFor("api.example.com", "/v1/users")).isEqualTo("api");
    }

    @Test
    void hostMatchIgnoresCaseAndPort() throws Exception {
        assertThat(backendFor("API.Example.COM:8080", "/v1/users")).isEqualTo("api");
    }

    @Test
    void routesByPathPrefix() throws Exception {
        assertThat(backendFor("www.example.com", "/static/logo.png")).isEqualTo("static");
    }

    @Test
    void firstMatchingRouteWins() throws Exception {
        assertThat(backendFor("api.example.com", "/static/logo.png")).isEqualTo("api");
        assertThat(shadowed.requests()).isZero();
    }

    @Test
    void wildcardHostMatchesSubdomains() throws Exception {
        assertThat(backendFor("cdn.example.org", "/x")).isEqualTo("static");
        assertThat(backendFor("a.b.example.org", "/x")).isEqualTo("static");
    }

    @Test
    void unmatchedRequestsGoToTheListenersDefaultPool() throws Exception {
        assertThat(backendFor("www.example.com", "/index.html")).isEqualTo("web");
        assertThat(backendFor("www.example.com", "/staticfile")).as("prefix /static/ does not match /staticfile")
                .isEqualTo("web");
        assertThat(backendFor("example.org", "/x")).as("*.example.org needs a label before example.org")
                .isEqualTo("web");
        assertThat(backendFor("api.example.com.evil.test", "/x")).isEqualTo("web");
    }

    @Test
    void eachRequestOnAKeptAliveConnectionIsRoutedOnItsOwn() throws Exception {
        try (RawClient client = halb.connect("front")) {
            for (String[] c : new String[][] {
                    {"api.example.com", "/a", "api"}, {"www.example.com", "/static/b", "static"},
                    {"www.example.com", "/c", "web"}, {"api.example.com", "/d", "api"}}) {
                RawResponse r = client.write(RawClient.get(c[0], c[1])).readResponse();
                assertThat(r.bodyText()).as("Host %s path %s", c[0], c[1]).startsWith(c[2] + " ");
            }
        }
    }

    private static String backendFor(String host, String path) throws Exception {
        try (RawClient client = halb.connect("front")) {
            RawResponse r = client.write(RawClient.get(host, path)).readResponse();
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.bodyText()).endsWith(" GET " + path);
            return r.bodyText().split(" ", 2)[0];
        }
    }
}

package io.halb.admin;

import io.halb.admin.AdminServerIntegrationTest.FakePlane;
import io.halb.admin.AdminServerIntegrationTest.Running;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;

import static io.halb.admin.AdminServerIntegrationTest.error;
import static org.assertj.core.api.Assertions.assertThat;

/** The bearer token, and the checks that keep other web sites away from an open admin listener. */
class AdminServerAuthIntegrationTest {

    private static final String TOKEN = "7c0ffee-admin-token";

    /** Every route that needs the token: method, path, body. */
    private static final List<String[]> GUARDED = List.of(
            new String[] {"GET", "/api/v1/status", null},
            new String[] {"GET", "/api/v1/listeners", null},
            new String[] {"GET", "/api/v1/pools", null},
            new String[] {"GET", "/api/v1/pools/web", null},
            new String[] {"GET", "/api/v1/pools/web/servers", null},
            new String[] {"GET", "/api/v1/pools/web/servers/web1", null},
            new String[] {"PUT", "/api/v1/pools/web/servers/web1/state", "{\"state\": \"maint\"}"},
            new String[] {"PUT", "/api/v1/pools/web/servers/web1/weight", "{\"weight\": 9}"},
            new String[] {"POST", "/api/v1/pools/web/servers", "{\"name\": \"web3\", \"address\": \"10.0.0.13:80\"}"},
            new String[] {"DELETE", "/api/v1/pools/web/servers/web2", null},
            new String[] {"POST", "/api/v1/reload", null},
            new String[] {"GET", "/api/v1/config", null},
            new String[] {"GET", "/api/v1/events", null},
            new String[] {"GET", "/api/v1/no-such-route", null},
            new String[] {"GET", "/metrics", null},
            new String[] {"POST", "/dashboard/", ""});

    private Running admin;

    @AfterEach
    void stop() {
        admin.close();
    }

    @Test
    void withATokenEveryRouteButTheDashboardRefusesARequestWithoutIt() throws Exception {
        admin = Running.start(new FakePlane(), Optional.of(TOKEN));

        for (String[] route : GUARDED) {
            HttpResponse<String> r = admin.send(route[0], route[1], route[2]);
            assertThat(r.statusCode()).as(route[0] + " " + route[1]).isEqualTo(401);
            assertThat(r.headers().firstValue("www-authenticate")).as(route[1]).hasValue("Bearer realm=\"halb\"");
            assertThat(r.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
            assertThat(error(r)).isEqualTo("missing bearer token (expected: Authorization: Bearer <token>)");
        }
        assertNothingHappened();
    }

    @Test
    void aWrongTokenIsRefusedAndChangesNothing() throws Exception {
        admin = Running.start(new FakePlane(), Optional.of(TOKEN));

        for (String authorization : List.of("Bearer wrong", "Bearer " + TOKEN + "x", "Bearer " + TOKEN.substring(1),
                "Basic " + TOKEN, "Bearer", TOKEN)) {
            for (String[] route : GUARDED) {
                HttpResponse<String> r = admin.send(route[0], route[1], route[2], "Authorization", authorization);
                assertThat(r.statusCode()).as(authorization + ": " + route[0] + " " + route[1]).isEqualTo(401);
                assertThat(r.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"halb\"");
                assertThat(error(r)).isEqualTo("invalid bearer token");
            }
        }
        assertNothingHappened();
    }

    @Test
    void theRightTokenOpensEveryRoute() throws Exception {
        admin = Running.start(new FakePlane(), Optional.of(TOKEN));

        for (String[] route : GUARDED.subList(0, 6)) {
            assertThat(admin.send(route[0], route[1], route[2], "Authorization", "Bearer " + TOKEN).statusCode())
                    .as(route[1]).isEqualTo(200);
        }
        HttpResponse<String> put = admin.send("PUT", "/api/v1/pools/web/servers/web1/state", "{\"state\": \"maint\"}",
                "Authorization", "bearer " + TOKEN);
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(admin.plane.changes).containsExactly("state web/web1 maint");
        assertThat(admin.get("/metrics", "Authorization", "Bearer " + TOKEN).body()).isEqualTo(Running.METRICS);
        assertThat(admin.send("POST", "/api/v1/reload", null, "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void theDashboardsFilesNeedNoToken() throws Exception {
        admin = Running.start(new FakePlane(), Optional.of(TOKEN));

        HttpResponse<String> root = admin.get("/");
        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(root.headers().firstValue("location")).hasValue("/dashboard/");
        // The file may or may not be on the class path: either way no token was asked for.
        assertThat(admin.get("/dashboard/").statusCode()).isIn(200, 404);
        assertThat(admin.get("/dashboard/app.js").statusCode()).isIn(200, 404);
    }

    @Test
    void withoutATokenEverythingIsOpen() throws Exception {
        admin = Running.start(new FakePlane(), Optional.empty());

        assertThat(admin.get("/api/v1/status").statusCode()).isEqualTo(200);
        assertThat(admin.get("/metrics").statusCode()).isEqualTo(200);
        assertThat(admin.send("PUT", "/api/v1/pools/web/servers/web1/state", "{\"state\": \"drain\"}").statusCode())
                .isEqualTo(200);
        // A token sent to an open listener does no harm.
        assertThat(admin.get("/api/v1/status", "Authorization", "Bearer anything").statusCode()).isEqualTo(200);
    }

    @Test
    void aRequestFromAnotherWebSiteIsRefused() throws Exception {
        admin = Running.start(new FakePlane(), Optional.empty());
        String self = "http://127.0.0.1:" + admin.server.address().getPort();

        // What a page on another site can send without a CORS preflight: a POST with no body.
        HttpResponse<String> crossSite = admin.send("POST", "/api/v1/reload", null, "Origin", "https://evil.example");
        assertThat(crossSite.statusCode()).isEqualTo(403);
        assertThat(error(crossSite)).startsWith("Origin 'https://evil.example' is not this admin listener");
        assertThat(admin.send("PUT", "/api/v1/pools/web/servers/web1/state", "{\"state\": \"maint\"}",
                "Origin", "null").statusCode()).isEqualTo(403);
        assertThat(admin.plane.changes).isEmpty();

        assertThat(admin.send("POST", "/api/v1/reload", null, "Origin", self).statusCode()).isEqualTo(200);
        assertThat(admin.plane.changes).containsExactly("reload");
    }

    @Test
    void withoutATokenOnlyLocalhostOrAnAddressMayBeTheHost() throws Exception {
        admin = Running.start(new FakePlane(), Optional.empty());
        int port = admin.server.address().getPort();

        // A DNS-rebinding page reaches 127.0.0.1 under its own name.
        RawResponse rebound = raw(RawClient.request("POST", "evil.example:" + port, "/api/v1/reload", "Content-Length: 0"));
        assertThat(rebound.status()).isEqualTo(403);
        assertThat(rebound.bodyText()).contains("Host 'evil.example:" + port + "'");
        assertThat(admin.plane.changes).isEmpty();

        for (String host : List.of("localhost:" + port, "LOCALHOST", "127.0.0.1:" + port, "[::1]:" + port)) {
            assertThat(raw(RawClient.get(host, "/api/v1/status")).status()).as(host).isEqualTo(200);
        }
    }

    @Test
    void withATokenAnyHostNameWillDo() throws Exception {
        admin = Running.start(new FakePlane(), Optional.of(TOKEN));

        RawResponse r = raw(RawClient.get("admin.example.com", "/api/v1/status", "Authorization: Bearer " + TOKEN));
        assertThat(r.status()).isEqualTo(200);
    }

    private RawResponse raw(String request) throws Exception {
        try (RawClient c = RawClient.connect(admin.server.address())) {
            return c.write(request).readResponse();
        }
    }

    private void assertNothingHappened() {
        assertThat(admin.plane.changes).isEmpty();
        assertThat(admin.plane.added).isEmpty();
        assertThat(admin.plane.subscribers).isEmpty();
        assertThat(admin.plane.threads).as("the control plane was never called").isEmpty();
    }
}

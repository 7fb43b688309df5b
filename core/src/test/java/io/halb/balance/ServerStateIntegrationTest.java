package io.halb.balance;

import io.halb.config.Algorithm;
import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules every algorithm follows (docs/algorithms.md): a DOWN or MAINT server gets nothing, a
 * DRAIN server nothing new unless persistence pins the request to it, and backups get requests
 * only while no primary is available. Through a real halb to real backends, for every algorithm.
 */
class ServerStateIntegrationTest {

    private static final String TEMPLATE = """
            event_loops: 2
            admin: {bind: "127.0.0.1:0"}
            listeners:
              - {name: web, bind: "127.0.0.1:0", mode: http, pool: web}
            pools:
              - name: web
                algorithm: {{algorithm}}{{hashKey}}{{persistence}}
                servers:
                  - {name: p1, address: "{{p1}}", weight: 2}
                  - {name: p2, address: "{{p2}}", weight: 2}
                  - {name: p3, address: "{{p3}}", weight: 1}
                  - {name: k1, address: "{{k1}}", backup: true}
                  - {name: k2, address: "{{k2}}", backup: true}
            """;

    /** Requests per step; each from its own source address and with its own path and X-User. */
    private static final int REQUESTS = 30;

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void unavailableServersGetNothingAndBackupsOnlyServeWhenNoPrimaryIsUp(Algorithm algorithm) throws Exception {
        try (TestBackend p1 = TestBackend.start("p1"); TestBackend p2 = TestBackend.start("p2");
             TestBackend p3 = TestBackend.start("p3"); TestBackend k1 = TestBackend.start("k1");
             TestBackend k2 = TestBackend.start("k2");
             HalbFixture halb = HalbFixture.start(TEMPLATE, vars(algorithm, "", p1, p2, p3, k1, k2))) {
            Endpoint e1 = endpoint(halb, "p1");
            Endpoint e2 = endpoint(halb, "p2");
            Endpoint e3 = endpoint(halb, "p3");

            step(halb, algorithm, "all up", Set.of("p1", "p2", "p3"));

            e1.state(ServerState.DOWN);
            e2.state(ServerState.MAINT);
            step(halb, algorithm, "p1 down, p2 in maintenance", Set.of("p3"));

            // A draining primary is not available either: the backups take over.
            e3.state(ServerState.DRAIN);
            step(halb, algorithm, "p1 down, p2 in maintenance, p3 draining", Set.of("k1", "k2"));

            e3.state(ServerState.UP);
            step(halb, algorithm, "p3 up again", Set.of("p3"));

            e1.state(ServerState.DRAIN);
            e2.state(ServerState.UP);
            step(halb, algorithm, "p1 draining, p2 and p3 up", Set.of("p2", "p3"));

            e1.state(ServerState.UP);
            step(halb, algorithm, "all up again", Set.of("p1", "p2", "p3"));

            // What the clients were told is what the backends saw: 6 steps of REQUESTS.
            assertThat(p1.requests() + p2.requests() + p3.requests() + k1.requests() + k2.requests())
                    .isEqualTo(6 * REQUESTS);
        }
    }

    /**
     * A session pinned by the persistence cookie stays on its server while that server drains,
     * while requests without the cookie go elsewhere; pins to a server in maintenance are not kept.
     */
    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aDrainingServerKeepsOnlyTheRequestsPinnedToIt(Algorithm algorithm) throws Exception {
        try (TestBackend p1 = TestBackend.start("p1"); TestBackend p2 = TestBackend.start("p2");
             TestBackend p3 = TestBackend.start("p3"); TestBackend k1 = TestBackend.start("k1");
             TestBackend k2 = TestBackend.start("k2");
             HalbFixture halb = HalbFixture.start(TEMPLATE, vars(algorithm, "\n    persistence: {type: cookie}",
                     p1, p2, p3, k1, k2));
             RawClient client = halb.connect("web")) {
            RawResponse first = client.write(RawClient.get("app.test", "/cart", "X-User: pinned")).readResponse();
            String server = served(first);
            String setCookie = first.header("set-cookie").orElseThrow();
            String cookie = setCookie.substring(0, setCookie.indexOf(';'));
            endpoint(halb, server).state(ServerState.DRAIN);

            for (int i = 0; i < 10; i++) {
                RawResponse r = client.write(RawClient.get("app.test", "/cart",
                        "X-User: pinned", "Cookie: " + cookie)).readResponse();
                assertThat(served(r)).as("pinned request %d after %s started draining", i, server).isEqualTo(server);
            }
            Map<String, Integer> unpinned = new TreeMap<>();
            for (int i = 0; i < REQUESTS; i++) {
                unpinned.merge(getFrom(halb, 1, i), 1, Integer::sum);
            }
            assertThat(unpinned).as("requests without the cookie while %s drains", server).doesNotContainKey(server)
                    .doesNotContainKeys("k1", "k2");

            endpoint(halb, server).state(ServerState.MAINT);
            RawResponse moved = client.write(RawClient.get("app.test", "/cart", "X-User: pinned", "Cookie: " + cookie))
                    .readResponse();
            assertThat(served(moved)).as("pinned request once %s is in maintenance", server).isNotEqualTo(server);
        }
    }

    /** Sends {@link #REQUESTS} requests, each on a new connection, and checks where they went. */
    private static void step(HalbFixture halb, Algorithm algorithm, String situation, Set<String> allowed)
            throws IOException {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < REQUESTS; i++) {
            counts.merge(getFrom(halb, 0, i), 1, Integer::sum);
        }
        assertThat(allowed).as("%s, %s: servers that answered %s", algorithm.yamlName(), situation, counts)
                .containsAll(counts.keySet());
    }

    private static Map<String, Object> vars(Algorithm algorithm, String persistence, TestBackend... backends) {
        Map<String, Object> vars = new TreeMap<>();
        vars.put("algorithm", algorithm.yamlName());
        vars.put("hashKey", algorithm == Algorithm.HASH ? "\n    hash_key: \"header:X-User\"" : "");
        vars.put("persistence", persistence);
        for (TestBackend b : backends) {
            vars.put(b.name(), b);
        }
        return vars;
    }

    private static Endpoint endpoint(HalbFixture halb, String name) {
        return halb.halb().endpoints("web").stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }

    /** The backend that answered: TestBackend bodies start with its name. */
    private static String served(RawResponse r) {
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.bodyText().split(" ", 2)[0];
    }

    /**
     * Request {@code i} of a step, with key {@code i} for every hash algorithm: on a new connection
     * from {@code 127.4.<block>.<i + 1>} (loopback accepts every 127/8 source), for path
     * {@code /r/<i>} with {@code X-User: u<i>}. Returns the answering backend's name.
     */
    private static String getFrom(HalbFixture halb, int block, int i) throws IOException {
        String from = "127.4." + block + "." + (i + 1);
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            s.connect(halb.address("web"), 2000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(RawClient.get("app.test", "/r/" + i, "X-User: u" + i, "Connection: close")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.UTF_8);
            assertThat(text).as("answer to %s", from).startsWith("HTTP/1.1 200");
            return text.substring(text.indexOf("\r\n\r\n") + 4).split(" ", 2)[0];
        }
    }
}

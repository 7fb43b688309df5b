package io.halb.persist;

import io.halb.balance.Endpoint;
import io.halb.balance.ServerState;
import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Session persistence through a real halb to real backends: inserted cookies and source-address pins. */
class PersistenceIntegrationTest {

    private static final String TEMPLATE = """
            event_loops: 2
            admin: {bind: "127.0.0.1:0"}
            listeners:
              - {name: web, bind: "127.0.0.1:0", mode: http, pool: web}
            pools:
              - name: web
                algorithm: round_robin
                persistence: {type: {{type}}, ttl: 10m}
                servers:
                  - {name: b1, address: "{{b1}}"}
                  - {name: b2, address: "{{b2}}"}
                  - {name: b3, address: "{{b3}}"}
            """;

    @Test
    void aCookiePinnedClientStaysOnItsServerAndMovesOnceWhenItGoesDown() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1"); TestBackend b2 = TestBackend.start("b2");
             TestBackend b3 = TestBackend.start("b3");
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("type", "cookie", "b1", b1, "b2", b2, "b3", b3));
             RawClient client = halb.connect("web")) {
            RawResponse first = client.write(RawClient.get("app.test", "/cart")).readResponse();
            String setCookie = first.header("set-cookie").orElseThrow();
            assertThat(setCookie).startsWith("HALB_SRV=").contains("HttpOnly", "SameSite=Lax", "Max-Age=600", "Path=/")
                    .doesNotContain(b1.hostPort(), b2.hostPort(), b3.hostPort());
            String cookie = setCookie.substring(0, setCookie.indexOf(';'));
            String server = served(first);

            for (int i = 0; i < 30; i++) {
                RawResponse r = client.write(RawClient.get("app.test", "/cart", "Cookie: " + cookie)).readResponse();
                assertThat(served(r)).isEqualTo(server);
                assertThat(r.header("set-cookie")).isEmpty();
            }

            endpoint(halb, server).state(ServerState.DOWN);
            RawResponse moved = client.write(RawClient.get("app.test", "/cart", "Cookie: " + cookie)).readResponse();
            String newServer = served(moved);
            assertThat(newServer).isNotEqualTo(server);
            String newCookie = moved.header("set-cookie").orElseThrow();
            newCookie = newCookie.substring(0, newCookie.indexOf(';'));
            for (int i = 0; i < 30; i++) {
                RawResponse r = client.write(RawClient.get("app.test", "/cart", "Cookie: " + newCookie)).readResponse();
                assertThat(served(r)).isEqualTo(newServer);
            }
        }
    }

    @Test
    void aTamperedOrUnknownCookieIsIgnored() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1"); TestBackend b2 = TestBackend.start("b2");
             TestBackend b3 = TestBackend.start("b3");
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("type", "cookie", "b1", b1, "b2", b2, "b3", b3));
             RawClient client = halb.connect("web")) {
            for (String bad : new String[] {"HALB_SRV=127.0.0.1:80", "HALB_SRV=AAAAAAAAAAAA", "HALB_SRV=", "HALB_SRV=\"x\""}) {
                RawResponse r = client.write(RawClient.get("app.test", "/", "Cookie: " + bad)).readResponse();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("set-cookie")).isPresent();
            }
        }
    }

    @Test
    void aSourceAddressStaysOnItsServerAcrossConnections() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1"); TestBackend b2 = TestBackend.start("b2");
             TestBackend b3 = TestBackend.start("b3");
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("type", "source_ip", "b1", b1, "b2", b2, "b3", b3))) {
            Set<String> used = new HashSet<>();
            for (String client : new String[] {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}) {
                String first = getFrom(client, halb.address("web"));
                used.add(first);
                for (int i = 0; i < 15; i++) {
                    assertThat(getFrom(client, halb.address("web"))).as("client %s", client).isEqualTo(first);
                }
            }
            // Four clients in turn over three servers: the pins are spread, not all on one.
            assertThat(used).hasSizeGreaterThan(1);
        }
    }

    @Test
    void pinsSurviveAReloadForServersThatStillExist() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1"); TestBackend b2 = TestBackend.start("b2");
             TestBackend b3 = TestBackend.start("b3");
             HalbFixture halb = HalbFixture.start(TEMPLATE, Map.of("type", "source_ip", "b1", b1, "b2", b2, "b3", b3))) {
            Map<String, String> pinned = new java.util.HashMap<>();
            for (String client : new String[] {"127.0.0.2", "127.0.0.3", "127.0.0.4"}) {
                pinned.put(client, getFrom(client, halb.address("web")));
            }
            // The same pool with a new setting: the stick table and the endpoints carry over.
            var next = io.halb.config.ConfigLoader.parse(HalbFixture.render(TEMPLATE + "timeouts: {server: 9s}\n",
                    Map.of("type", "source_ip", "b1", b1, "b2", b2, "b3", b3)), HalbFixture.SOURCE, Map.of());
            assertThat(halb.halb().reload(next).applied()).isTrue();
            for (var e : pinned.entrySet()) {
                for (int i = 0; i < 5; i++) {
                    assertThat(getFrom(e.getKey(), halb.address("web"))).as("client %s", e.getKey()).isEqualTo(e.getValue());
                }
            }
        }
    }

    private static Endpoint endpoint(HalbFixture halb, String name) {
        return halb.halb().endpoints("web").stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }

    /** The backend that answered: TestBackend bodies start with its name. */
    private static String served(RawResponse r) {
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.bodyText().split(" ")[0];
    }

    /** One request on a new connection from {@code localAddress}; the answering backend's name. */
    private static String getFrom(String localAddress, InetSocketAddress halb) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
            s.connect(halb, 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.UTF_8);
            assertThat(text).startsWith("HTTP/1.1 200");
            return text.substring(text.indexOf("\r\n\r\n") + 4).split(" ")[0];
        }
    }
}

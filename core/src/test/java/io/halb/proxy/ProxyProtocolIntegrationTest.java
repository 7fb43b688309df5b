package io.halb.proxy;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PROXY protocol in (from a trusted L4 balancer in front of halb) and out (to servers), carrying the
 * real client's address. The addresses inside the headers are only text: no traffic goes to them.
 */
class ProxyProtocolIntegrationTest {

    private static final String IN = """
            event_loops: 1
            listeners:
              - name: web
                bind: "127.0.0.1:0"
                mode: {{mode}}
                pool: web
                proxy_protocol: {trusted: [127.0.0.0/8]}
            pools:
              - name: web
                servers:
                  - {name: b1, address: "{{b1}}"}
            timeouts: {header_read: 500ms}
            """;

    @Test
    void aV1HeaderFromATrustedPeerNamesTheClientToTheServer() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(IN, Map.of("mode", "http", "b1", b1));
             RawClient client = halb.connect("web")) {
            client.write("PROXY TCP4 198.18.0.7 127.0.0.1 5555 80\r\n");
            RawResponse r = client.write(RawClient.get("app.test", "/")).readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(b1.lastRequest().header("x-forwarded-for")).contains("198.18.0.7");
        }
    }

    @Test
    void aV2HeaderWorksToo() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(IN, Map.of("mode", "http", "b1", b1));
             RawClient client = halb.connect("web")) {
            byte[] sig = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
            ByteArrayOutputStream h = new ByteArrayOutputStream();
            h.write(sig);
            h.write(0x21); // version 2, PROXY
            h.write(0x11); // TCP over IPv4
            h.write(0);
            h.write(12);   // address block length
            h.write(new byte[] {(byte) 198, 18, 0, 9, 127, 0, 0, 1});
            h.write(new byte[] {0x15, (byte) 0xB3, 0, 80});
            client.write(h.toByteArray());
            RawResponse r = client.write(RawClient.get("app.test", "/")).readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(b1.lastRequest().header("x-forwarded-for")).contains("198.18.0.9");
        }
    }

    @Test
    void aTrustedPeerThatSendsNoHeaderIsClosed() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(IN, Map.of("mode", "http", "b1", b1))) {
            try (Socket s = new Socket()) {
                s.connect(halb.address("web"), 2000);
                s.setSoTimeout(5000);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                // Not a PROXY header: closed, and the request never reaches the server.
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
            assertThat(b1.requests()).isZero();
        }
    }

    @Test
    void serversGetAHeaderNamingTheClientInHttpAndTcpMode() throws Exception {
        for (String mode : new String[] {"http", "tcp"}) {
            for (String version : new String[] {"v1", "v2"}) {
                try (ServerSocket backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                    String yaml = """
                            event_loops: 1
                            listeners:
                              - {name: web, bind: "127.0.0.1:0", mode: %s, pool: web}
                            pools:
                              - name: web
                                send_proxy: %s
                                servers:
                                  - {name: b1, address: "127.0.0.1:%d"}
                            """.formatted(mode, version, backend.getLocalPort());
                    try (HalbFixture halb = HalbFixture.start(yaml)) {
                        CompletableFuture<byte[]> first = CompletableFuture.supplyAsync(() -> readHead(backend));
                        try (Socket c = new Socket()) {
                            c.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.5"), 0));
                            c.connect(halb.address("web"), 2000);
                            c.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                            byte[] head = first.get(10, TimeUnit.SECONDS);
                            String text = new String(head, StandardCharsets.ISO_8859_1);
                            if (version.equals("v1")) {
                                assertThat(text).as(mode).startsWith("PROXY TCP4 127.0.0.5 127.0.0.1 " + c.getLocalPort() + " ");
                            } else {
                                assertThat(head[12]).as(mode).isEqualTo((byte) 0x21);
                                assertThat(new byte[] {head[16], head[17], head[18], head[19]})
                                        .isEqualTo(new byte[] {127, 0, 0, 5});
                            }
                        }
                    }
                }
            }
        }
    }

    /** The first bytes a backend connection receives (enough for either header version). */
    private static byte[] readHead(ServerSocket backend) {
        try (Socket s = backend.accept()) {
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64];
            int n = 0;
            while (n < 28) {
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
            OutputStream out = s.getOutputStream();
            out.flush();
            return java.util.Arrays.copyOf(buf, n);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

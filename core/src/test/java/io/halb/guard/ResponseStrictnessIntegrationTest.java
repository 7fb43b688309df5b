package io.halb.guard;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Responses get the treatment requests get: a response head with obsolete line folding or
 * whitespace before a colon is answered 502, never relayed; ordinary responses, interim ones
 * included, pass.
 */
class ResponseStrictnessIntegrationTest {

    @Test
    void aResponseHeadWithObsFoldOrSpaceBeforeColonIs502() throws Exception {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("obs-fold", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok");
        bad.put("obs-fold with tab", "HTTP/1.1 200 OK\r\nX-A: a\r\n\tb\r\nContent-Length: 2\r\n\r\nok");
        bad.put("space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok");
        bad.put("tab before colon", "HTTP/1.1 200 OK\r\nX-A\t: a\r\nContent-Length: 2\r\n\r\nok");
        bad.put("obs-fold after an interim response", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            RawResponse r = through(e.getValue());
            assertThat(r.status()).as(e.getKey()).isEqualTo(502);
            assertThat(r.bodyText()).as(e.getKey()).contains("invalid response from server s1");
        }
    }

    @Test
    void ordinaryResponsesPass() throws Exception {
        RawResponse r = through("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-A: a b\t c\r\nX-Empty:\r\nContent-Length: 2\r\n\r\nok");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("ok");
        assertThat(r.header("X-A")).contains("a b\t c");
        RawResponse chunked = through("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
        assertThat(chunked.bodyText()).isEqualTo("ok");
    }

    /** One request through halb to a raw server that answers {@code response} once. */
    private static RawResponse through(String response) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> answerOnce(server, response), "raw-server");
            t.setDaemon(true);
            t.start();
            try (HalbFixture halb = HalbFixture.start("""
                    listeners:
                      - {name: web, bind: "127.0.0.1:0", pool: p}
                    pools:
                      - {name: p, health: {type: none}, retries: 0, servers: [{name: s1, address: "127.0.0.1:%d"}]}
                    """.formatted(server.getLocalPort()));
                 RawClient c = halb.connect("web")) {
                c.write(RawClient.get("a.example", "/"));
                RawResponse r = c.readResponse();
                while (r.status() / 100 == 1) {
                    r = c.readResponse(); // interim responses are relayed
                }
                return r;
            }
        }
    }

    private static void answerOnce(ServerSocket server, String response) {
        try (Socket s = server.accept()) {
            InputStream in = s.getInputStream();
            int matched = 0;
            byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            OutputStream out = s.getOutputStream();
            out.write(response.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            in.read(); // until halb closes
        } catch (IOException e) {
            // halb closed
        }
    }
}

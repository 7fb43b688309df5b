package io.halb.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The header rewrite on its own: what an event loop's {@link HeaderRewriter.Forwarding} keeps between
 * requests must never leak one request's (or client's) values into another's. (End to end: ForwardedHeadersIntegrationTest.)
 */
class HeaderRewriterTest {

    private static HttpHeaders headers(String... nameValues) {
        HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().newHeaders();
        for (int i = 0; i < nameValues.length; i += 2) {
            h.add(nameValues[i], nameValues[i + 1]);
        }
        return h;
    }

    @Test
    void keepAliveRequestsReuseTheConnectionsValuesAndFollowHostChanges() throws Exception {
        HeaderRewriter.Forwarding f = new HeaderRewriter.Forwarding();
        InetAddress v4 = InetAddress.getByName("192.0.2.7");

        HttpHeaders first = headers("Host", "a.example");
        HeaderRewriter.toServer(first, f, v4, "http", false);
        assertEquals("192.0.2.7", first.get("x-forwarded-for"));
        assertEquals("http", first.get("x-forwarded-proto"));
        assertEquals("a.example", first.get("x-forwarded-host"));
        assertEquals("for=192.0.2.7;proto=http;host=a.example", first.get("forwarded"));

        HttpHeaders second = headers("Host", "a.example", "X-Forwarded-For", "198.51.100.1",
                "Forwarded", "for=198.51.100.1");
        HeaderRewriter.toServer(second, f, v4, "http", false);
        assertEquals("198.51.100.1, 192.0.2.7", second.get("x-forwarded-for"));
        assertEquals("for=198.51.100.1, for=192.0.2.7;proto=http;host=a.example", second.get("forwarded"));
        assertSame(first.get("forwarded"), f.forwarded("a.example"), "same Host: the value is reused");

        HttpHeaders quoted = headers("Host", "b example");
        HeaderRewriter.toServer(quoted, f, v4, "https", false);
        assertEquals("for=192.0.2.7;proto=https;host=\"b example\"", quoted.get("forwarded"));

        HttpHeaders noHost = headers();
        HeaderRewriter.toServer(noHost, f, v4, "https", false);
        assertEquals("for=192.0.2.7;proto=https", noHost.get("forwarded"));
        assertFalse(noHost.contains("x-forwarded-host"));

        HttpHeaders v6 = headers("Host", "a.example");
        HeaderRewriter.toServer(v6, f, InetAddress.getByName("2001:db8::1"), "http", false);
        assertEquals("2001:db8:0:0:0:0:0:1", v6.get("x-forwarded-for"));
        assertEquals("for=\"[2001:db8:0:0:0:0:0:1]\";proto=http;host=a.example", v6.get("forwarded"));
    }

    @Test
    void clientsSharingTheEventLoopsTableNeverGetEachOthersValues() throws Exception {
        HeaderRewriter.Forwarding f = new HeaderRewriter.Forwarding();
        // Many clients interleaved, so some share a slot of the table; each must get its own values.
        for (int round = 0; round < 3; round++) {
            for (int i = 1; i <= 200; i++) {
                InetAddress client = InetAddress.getByName("198.51.100." + i);
                String host = "h" + (i % 3) + ".example";
                HttpHeaders h = headers("Host", host);
                HeaderRewriter.toServer(h, f, client, i % 2 == 0 ? "https" : "http", false);
                assertEquals("198.51.100." + i, h.get("x-forwarded-for"));
                assertEquals("for=198.51.100." + i + ";proto=" + (i % 2 == 0 ? "https" : "http") + ";host=" + host,
                        h.get("forwarded"));
            }
        }
    }

    @Test
    void connectionNamesHopByHopHeadersInAnyOfItsValues() {
        HttpHeaders plain = headers("Connection", "keep-alive", "Keep-Alive", "timeout=5", "X-Kept", "1");
        HeaderRewriter.toClient(plain, false);
        assertFalse(plain.contains("connection"));
        assertFalse(plain.contains("keep-alive"));
        assertTrue(plain.contains("x-kept"));

        HttpHeaders named = headers("Connection", "keep-alive", "Connection", "x-secret, close",
                "X-Secret", "s", "X-Other", "o", "X-Kept", "1");
        HeaderRewriter.toClient(named, false);
        assertFalse(named.contains("x-secret"));
        assertTrue(named.contains("x-kept"));
        assertTrue(named.contains("x-other"));

        HttpHeaders single = headers("Connection", "X-Other", "X-Other", "o", "Upgrade", "websocket");
        HeaderRewriter.toClient(single, false);
        assertFalse(single.contains("x-other"));
        assertFalse(single.contains("upgrade"));
        assertEquals(List.of(), single.getAll("connection"));
    }
}

package io.halb.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Which request heads are forwarded as bytes, and what the server gets of them. */
class RawRequestHeadTest {

    private static final int LINE = 4096;
    private static final int FIELDS = 16 * 1024;

    @Test
    void aPlainGetIsForwardedWithHalbsForwardingLinesInPlaceOfTheClients() throws Exception {
        ByteBuf in = buf("GET /a?b=1 HTTP/1.1\r\nHost: app.example\r\nUser-Agent: t\r\nConnection: keep-alive\r\n"
                + "X-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: spoofed\r\nForwarded: for=10.0.0.1\r\nCookie: a=1\r\n\r\n"
                + "GET /next");
        RawRequestHead head = (RawRequestHead) RawRequestHead.parse(in, LINE, FIELDS);
        try {
            assertThat(head.method()).isEqualTo(HttpMethod.GET);
            assertThat(head.uri()).isEqualTo("/a?b=1");
            assertThat(head.host()).isEqualTo("app.example");
            assertThat(head.close()).isFalse();
            assertThat(head.header("user-agent")).isEqualTo("t");
            assertThat(in.toString(StandardCharsets.US_ASCII)).as("left for the next request").isEqualTo("GET /next");
            ByteBuf out = head.toServer(ByteBufAllocator.DEFAULT, new HeaderRewriter.Forwarding(),
                    InetAddress.getByName("127.0.0.2"), "http", null, null);
            assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo(
                    "GET /a?b=1 HTTP/1.1\r\nHost: app.example\r\nUser-Agent: t\r\nCookie: a=1\r\n"
                            + "X-Forwarded-For: 10.0.0.1, 127.0.0.2\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: app.example\r\n"
                            + "Forwarded: for=10.0.0.1, for=127.0.0.2;proto=http;host=app.example\r\n\r\n");
            assertThat(RawRequestHead.values(out, "cookie", false)).containsExactly("a=1");
            out.release();
        } finally {
            head.release();
            in.release();
        }
    }

    @Test
    void theClientCertificateHeaderIsHalbsAlone() throws Exception {
        ByteBuf in = buf("GET / HTTP/1.1\r\nHost: a\r\nX-Client-Subject: CN=forged\r\nConnection: close\r\n\r\n");
        RawRequestHead head = (RawRequestHead) RawRequestHead.parse(in, LINE, FIELDS);
        assertThat(head.close()).isTrue();
        ByteBuf out = head.toServer(ByteBufAllocator.DEFAULT, new HeaderRewriter.Forwarding(),
                InetAddress.getByName("127.0.0.1"), "https", "x-client-subject", null);
        assertThat(out.toString(StandardCharsets.US_ASCII)).doesNotContain("forged").doesNotContain("X-Client-Subject");
        out.release();
        out = head.toServer(ByteBufAllocator.DEFAULT, new HeaderRewriter.Forwarding(),
                InetAddress.getByName("127.0.0.1"), "https", "x-client-subject", "CN=real");
        assertThat(out.toString(StandardCharsets.US_ASCII)).contains("x-client-subject: CN=real\r\n").doesNotContain("forged");
        out.release();
        head.release();
        in.release();
    }

    @Test
    void aPartialHeadWaits() {
        ByteBuf in = buf("GET / HTTP/1.1\r\nHost: a\r\n");
        assertThat(RawRequestHead.parse(in, LINE, FIELDS)).isSameAs(RawRequestHead.INCOMPLETE);
        assertThat(in.readerIndex()).isZero();
        in.release();
    }

    @Test
    void everyOtherHeadIsDecoded() {
        String[] decoded = {
                "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
                "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n",
                "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
                "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
                "BREW / HTTP/1.1\r\nHost: a\r\n\r\n",
                "get / HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET / HTTP/1.1\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
                "GET / HTTP/1.1\nHost: a\n\n",
                "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\u0000b\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nX A: b\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n",
                "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\n" + "X-F: 1\r\n".repeat(101) + "\r\n",
        };
        for (String request : decoded) {
            ByteBuf in = buf(request);
            assertThat(RawRequestHead.parse(in, LINE, FIELDS)).as(request).isSameAs(RawRequestHead.DECODE);
            assertThat(in.readerIndex()).as(request).isZero();
            in.release();
        }
    }

    @Test
    void aHeadNearTheLimitsIsTheDecodersToJudge() {
        ByteBuf longLine = buf("GET /" + "a".repeat(LINE) + " HTTP/1.1\r\n");
        assertThat(RawRequestHead.parse(longLine, LINE, FIELDS)).isSameAs(RawRequestHead.DECODE);
        longLine.release();
        ByteBuf unfinishedLine = buf("GET /" + "a".repeat(LINE));
        assertThat(RawRequestHead.parse(unfinishedLine, LINE, FIELDS)).isSameAs(RawRequestHead.DECODE);
        unfinishedLine.release();
        ByteBuf longFields = buf("GET / HTTP/1.1\r\nHost: a\r\nX-L: " + "b".repeat(FIELDS) + "\r\n");
        assertThat(RawRequestHead.parse(longFields, LINE, FIELDS)).isSameAs(RawRequestHead.DECODE);
        longFields.release();
    }

    private static ByteBuf buf(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }
}

package io.halb.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Which response heads are relayed as bytes, and what the client gets of them. */
class RawResponseHeadTest {

    private static final int MAX = 40 * 1024;

    @Test
    void aPlainHeadIsRelayedWithItsBodyAndWithoutItsHopByHopLines() {
        String head = "HTTP/1.1 200 OK\r\nServer: nginx\r\nConnection: keep-alive\r\nContent-Length: 2\r\n"
                + "Keep-Alive: timeout=5\r\nX-A: a b\r\n\r\n";
        ByteBuf in = buf(head + "ok" + "NEXT");
        RawResponseHead parsed = (RawResponseHead) RawResponseHead.parse(in, false, MAX);
        try {
            assertThat(parsed.status()).isEqualTo(200);
            assertThat(parsed.complete()).isTrue();
            assertThat(parsed.bodyLength()).isEqualTo(2);
            assertThat(parsed.serverClose()).isFalse();
            assertThat(in.toString(StandardCharsets.US_ASCII)).as("left in the buffer").isEqualTo("NEXT");
            ByteBuf out = parsed.toClient(ByteBufAllocator.DEFAULT, null, false);
            assertThat(out.toString(StandardCharsets.US_ASCII))
                    .isEqualTo("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 2\r\nX-A: a b\r\n\r\nok");
            out.release();
        } finally {
            in.release();
        }
    }

    @Test
    void cookieAndCloseAreAddedBeforeTheEmptyLine() {
        ByteBuf in = buf("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        RawResponseHead parsed = (RawResponseHead) RawResponseHead.parse(in, false, MAX);
        ByteBuf out = parsed.toClient(ByteBufAllocator.DEFAULT, "s=b1; Path=/", true);
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo(
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nSet-Cookie: s=b1; Path=/\r\nConnection: close\r\n\r\n");
        out.release();
        in.release();
    }

    @Test
    void anUnchangedHeadLeavesAsItCame() {
        ByteBuf in = buf("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
        RawResponseHead parsed = (RawResponseHead) RawResponseHead.parse(in, false, MAX);
        ByteBuf out = parsed.toClient(ByteBufAllocator.DEFAULT, null, false);
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
        out.release();
        in.release();
        assertThat(in.refCnt()).isZero();
    }

    @Test
    void aBodyNotYetHereOrLargeFollowsTheHead() {
        ByteBuf in = buf("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234");
        RawResponseHead parsed = (RawResponseHead) RawResponseHead.parse(in, false, MAX);
        assertThat(parsed.complete()).isFalse();
        assertThat(parsed.bodyLength()).isEqualTo(10);
        assertThat(in.toString(StandardCharsets.US_ASCII)).isEqualTo("01234");
        parsed.release();
        in.release();
        int big = RawResponseHead.MAX_JOINED_BODY + 1;
        ByteBuf large = buf("HTTP/1.1 200 OK\r\nContent-Length: " + big + "\r\n\r\n" + "x".repeat(big));
        RawResponseHead parsedLarge = (RawResponseHead) RawResponseHead.parse(large, false, MAX);
        assertThat(parsedLarge.complete()).isFalse();
        assertThat(large.readableBytes()).isEqualTo(big);
        parsedLarge.release();
        large.release();
    }

    @Test
    void noBodyAfterHeadOr204Or304WhateverTheLength() {
        for (String head : new String[] {"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", "HTTP/1.1 204 No Content\r\n\r\n",
                "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"}) {
            ByteBuf in = buf(head);
            Object parsed = RawResponseHead.parse(in, head.contains("1000"), MAX);
            assertThat(parsed).as(head).isInstanceOf(RawResponseHead.class);
            assertThat(((RawResponseHead) parsed).complete()).isTrue();
            assertThat(((RawResponseHead) parsed).bodyLength()).isZero();
            ((RawResponseHead) parsed).release();
            in.release();
        }
    }

    @Test
    void aPartialHeadWaits() {
        ByteBuf in = buf("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n");
        assertThat(RawResponseHead.parse(in, false, MAX)).isSameAs(RawResponseHead.INCOMPLETE);
        assertThat(in.readerIndex()).isZero();
        in.release();
    }

    @Test
    void everyOtherHeadIsDecoded() {
        String[] decoded = {
                "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 100 Continue\r\n\r\n",
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
                "HTTP/1.1 200 OK\r\n\r\nclose-delimited",
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Secret\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
                "HTTP/1.1 200 OK\r\nX-A: a\u0001b\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nX A: a\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nno colon\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 20x OK\r\nContent-Length: 2\r\n\r\nok",
        };
        for (String response : decoded) {
            ByteBuf in = buf(response);
            assertThat(RawResponseHead.parse(in, false, MAX)).as(response).isSameAs(RawResponseHead.DECODE);
            assertThat(in.readerIndex()).as(response).isZero();
            in.release();
        }
    }

    @Test
    void aHeadLongerThanTheLimitIsDecoded() {
        ByteBuf in = buf("HTTP/1.1 200 OK\r\nX-Long: " + "a".repeat(200) + "\r\n");
        assertThat(RawResponseHead.parse(in, false, 100)).isSameAs(RawResponseHead.DECODE);
        in.release();
    }

    private static ByteBuf buf(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }
}

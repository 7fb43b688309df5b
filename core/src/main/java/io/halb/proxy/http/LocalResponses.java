package io.halb.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The answers halb gives itself (400, 502, 503, 504): the status and one line naming the reason, so
 * an operator reading a client's error knows which side failed and why.
 */
final class LocalResponses {

    private LocalResponses() {}

    static FullHttpResponse of(ByteBufAllocator alloc, HttpResponseStatus status, String reason, boolean close) {
        String line = status.code() + " " + status.reasonPhrase() + ": " + reason + "\n";
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        ByteBuf body = alloc.buffer(bytes.length).writeBytes(bytes);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /** A duration as an operator writes it: {@code 500ms}, {@code 30s}, {@code 2m}. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0 && ms > 0) {
            return (ms / 60_000) + "m";
        }
        if (ms % 1000 == 0 && ms > 0) {
            return (ms / 1000) + "s";
        }
        return ms + "ms";
    }
}
